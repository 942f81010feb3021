package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// Page sizes of GET /api/tickets.
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// Validation messages of the list's query parameters.
const (
	msgLimitInvalid = "Limit must be a whole number from 1 to 500"
	msgAfterInvalid = "After must be a valid ticket id"
)

// list serves GET /api/tickets: a page of the unreserved tickets, oldest
// first — at most ?limit= (default 100, at most 500), those after the
// ticket ?after=<id>. When more remain, a Link header names the next page:
// Link: </api/tickets?after=<last id>>; rel="next".
func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p, explicitLimit, err := parsePage(r.URL.Query())
	if err != nil {
		return err
	}
	want := p.Limit
	p.Limit++ // one more tells whether a next page exists
	ts, err := a.store.ListAvailable(r.Context(), p)
	if err != nil {
		return toHTTP(err)
	}
	if len(ts) > want {
		ts = ts[:want]
		next := url.Values{"after": {ts[want-1].ID.Hex()}}
		if explicitLimit {
			next.Set("limit", strconv.Itoa(want))
		}
		w.Header().Set("Link", fmt.Sprintf(`</api/tickets?%s>; rel="next"`, next.Encode()))
	}
	out := make([]ticketJSON, len(ts)) // [] rather than null when empty
	for i, t := range ts {
		out[i] = toJSON(t)
	}
	return web.Respond(w, http.StatusOK, out)
}

// parsePage reads ?limit= and ?after=; it reports whether limit was given.
func parsePage(q url.Values) (ticket.Page, bool, error) {
	p := ticket.Page{Limit: DefaultLimit}
	var errs []web.FieldError
	_, explicit := q["limit"]
	if explicit {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > MaxLimit || len(q["limit"]) > 1 {
			errs = append(errs, web.FieldError{Field: "limit", Message: msgLimitInvalid})
		} else {
			p.Limit = n
		}
	}
	if _, ok := q["after"]; ok {
		id, err := bson.ObjectIDFromHex(q.Get("after"))
		if err != nil || id.IsZero() || len(q["after"]) > 1 {
			errs = append(errs, web.FieldError{Field: "after", Message: msgAfterInvalid})
		}
		p.After = id
	}
	return p, explicit, web.Validation(errs...)
}
