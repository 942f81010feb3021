package user

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		email string
		want  bool
	}{
		{"test@test.com", true},
		{"  Test@Test.COM  ", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"o'brien@example.ie", true},
		{"", false},
		{"   ", false},
		{"alskdflaskjfd", false},
		{"test@", false},
		{"@test.com", false},
		{"test@test", false},                        // no dot in the domain
		{"test@localhost", false},                   // idem
		{"test@.test.com", false},                   // net/mail refuses
		{"test@test.com.", false},                   // net/mail refuses
		{"test@test..com", false},                   // net/mail refuses
		{"test@[127.0.0.1]", false},                 // domain literal
		{"Ann <ann@test.com>", false},               // display name
		{"<ann@test.com>", false},                   // angle brackets
		{"ann@test.com (Ann)", false},               // comment
		{`"a b"@test.com`, false},                   // quoted local part
		{"a@b.com, c@d.com", false},                 // a list
		{"ann@te st.com", false},                    // space in the domain
		{"ann\n@test.com", false},                   // control character
		{strings.Repeat("a", 250) + "@t.co", false}, // over 254 bytes
	}
	for _, tt := range tests {
		if got := ValidEmail(tt.email); got != tt.want {
			t.Errorf("ValidEmail(%q) = %v, want %v", tt.email, got, tt.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"test@test.com":     "test@test.com",
		"  Test@Test.COM\t": "test@test.com",
		"ÄNN@Example.com":   "änn@example.com",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		password string
		want     bool
	}{
		{"", false},
		{"p", false},
		{"abc", false},
		{"   abc   ", false}, // trimmed to 3
		{"abcd", true},
		{" abcd ", true},
		{"password", true},
		{strings.Repeat("a", 20), true},
		{strings.Repeat("a", 21), false},
		{strings.Repeat("é", 20), true}, // 40 bytes, 20 characters
		{strings.Repeat("é", 21), false},
		{"日本語の", true},
	}
	for _, tt := range tests {
		if got := ValidPassword(NormalizePassword(tt.password)); got != tt.want {
			t.Errorf("ValidPassword(NormalizePassword(%q)) = %v, want %v", tt.password, got, tt.want)
		}
	}
}
