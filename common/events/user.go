package events

// The subjects of the user events (SPEC §11), published by auth.
const (
	SubjectUserCreated Subject = "user:created"
	SubjectUserBanned  Subject = "user:banned"
)

// UserCreated is published by auth when a user signs up.
type UserCreated struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Version int64  `json:"version"`
}

// Subject implements Event.
func (UserCreated) Subject() Subject { return SubjectUserCreated }

// UserBanned is published by auth when an admin bans a user: every service
// stops honouring that user's still-valid tokens.
type UserBanned struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// Subject implements Event.
func (UserBanned) Subject() Subject { return SubjectUserBanned }
