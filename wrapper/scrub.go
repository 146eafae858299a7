package wrapper

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the one place that keeps the credential out of what a call
// returns or logs. A server, a proxy or a redirect can echo the
// Authorization header anywhere: in an error body, a request-id header, a
// Content-Type, or a redirect's Location, which net/http then quotes in its
// own errors. And it may echo it escaped: JSON (\u0063, \/), Go quoting,
// URL percent-escapes. So text is matched both as it is and with those
// escapes undone, and every error leaves the client through seal.

// Redact returns text with key replaced by "[redacted]" in every spelling
// the client scrubs from its own errors and logs: as it is; escaped (JSON
// and Go escapes, URL percent-escapes, up to three layers deep); and, as a
// deployment key travels in HTTP Basic, the base64 of "key:". Where the key
// was found only escaped, the text comes back with those escapes undone, so
// use Redact on raw values (a field of an answer, an error message) and
// escape the result for display afterwards, never the other way round.
// Text without the key comes back unchanged. A key shorter than 6
// characters is left alone: no real key is that short, and replacing one
// would mangle unrelated text.
//
// The client applies this to everything it returns but data; the polyshare
// CLI applies it to the data it prints, with the keys in its environment.
func Redact(text, key string) string {
	return newCredentials("", key).text(text)
}

// RedactJSON returns the JSON document b with every string in it (object
// keys included) passed through Redact, encoded again (compact, numbers as
// they were); b comes back as it is when the key is not in it, and
// scrubbed as text when it is not valid JSON.
func RedactJSON(b []byte, key string) []byte {
	return newCredentials("", key).body(b)
}

// RedactVerbatim replaces only the verbatim spellings of key in text (the
// key itself and the base64 forms of "key:") and touches nothing else: for
// output that is already escaped for display, which Redact's unescaping
// would undo.
func RedactVerbatim(text, key string) string {
	out, _ := newCredentials("", key).replace(text)
	return out
}

// redacted replaces the secret wherever it is found.
const redacted = "[redacted]"

// minScrubLen keeps scrubbing from mangling text around a very short key,
// which no real credential is.
const minScrubLen = 6

// unescapePasses bounds how many layers of escaping are undone (a JSON
// escape inside a Go-quoted URL is two).
const unescapePasses = 3

// newCredentials builds the credential and the spellings it is scrubbed in:
// the secret itself and, for a deployment key, the Basic base64 of "key:"
// in the standard and URL alphabets, with and without the padding a proxy
// may drop (padded first, so that no stray '=' is left behind).
func newCredentials(bearer, basicUser string) *credentials {
	c := &credentials{bearer: bearer, basicUser: basicUser}
	secret := bearer + basicUser // exactly one is set
	if len(secret) < minScrubLen {
		return c
	}
	c.forms = []string{secret}
	if basicUser != "" {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			padded := enc.EncodeToString([]byte(basicUser + ":"))
			for _, f := range []string{padded, strings.TrimRight(padded, "=")} {
				if !slices.Contains(c.forms, f) {
					c.forms = append(c.forms, f)
				}
			}
		}
	}
	return c
}

// replace replaces every spelling of the secret in s; changed says whether
// there was one.
func (c *credentials) replace(s string) (out string, changed bool) {
	for _, f := range c.forms {
		if strings.Contains(s, f) {
			s, changed = strings.ReplaceAll(s, f, redacted), true
		}
	}
	return s, changed
}

// text returns s without the secret. Text in which the secret appears only
// escaped is returned with the escapes undone (and the secret replaced);
// text without the secret is returned unchanged.
func (c *credentials) text(s string) string {
	if len(c.forms) == 0 {
		return s
	}
	plain, _ := c.replace(s)
	cur, found := plain, false
	for range unescapePasses {
		u := unescape(cur)
		if u == cur {
			break
		}
		var changed bool
		if cur, changed = c.replace(u); changed {
			found = true
		}
	}
	if found {
		return strings.ToValidUTF8(cur, "\uFFFD")
	}
	return plain
}

// body returns an error body without the secret. A JSON body stays JSON:
// it is decoded, every string (keys included) scrubbed, and encoded again,
// so the typed error fields decoded from it are clean too. Any other body is
// scrubbed as text. A body without the secret is returned as it came.
func (c *credentials) body(b []byte) []byte {
	if len(c.forms) == 0 {
		return b
	}
	s := string(b)
	t := c.text(s)
	if t == s {
		return b
	}
	if json.Valid(b) {
		if out, ok := c.scrubJSON(b); ok && c.text(string(out)) == string(out) {
			return out
		}
	}
	return []byte(t)
}

// scrubJSON decodes a JSON body, scrubs it and encodes it again; ok is
// false if it cannot.
func (c *credentials) scrubJSON(b []byte) (out []byte, ok bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // numbers come back as they were sent
	var v any
	if d.Decode(&v) != nil {
		return nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & readable in the excerpt
	if enc.Encode(c.scrubValue(v)) != nil {
		return nil, false
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
}

// scrubValue scrubs every string in a decoded JSON value, map keys included.
func (c *credentials) scrubValue(v any) any {
	switch v := v.(type) {
	case string:
		return c.text(v)
	case json.Number:
		if t := c.text(string(v)); t != string(v) {
			return t // no longer a number, so a string
		}
		return v
	case []any:
		for i := range v {
			v[i] = c.scrubValue(v[i])
		}
		return v
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[c.text(k)] = c.scrubValue(e)
		}
		return m
	}
	return v
}

// trimPartial drops the end of a body cut at the cap when it is the start
// of the secret: the rest of it was never read, but its first part would
// still show.
func (c *credentials) trimPartial(b []byte) []byte {
	for _, f := range c.forms {
		for k := min(len(f)-1, len(b)); k > 0; k-- {
			if bytes.HasSuffix(b, []byte(f[:k])) {
				b = b[:len(b)-k]
				break
			}
		}
	}
	return b
}

// seal returns err, or, if its text shows the secret in any spelling, an
// error with the same chain (errors.Is and errors.As still find the context
// error, the *url.Error, the syscall error and the sentinels) whose text
// does not. A *url.Error in the chain is cleaned in place: it was made for
// this client's own request, and callers reach it with errors.As.
func (c *credentials) seal(err error) error {
	if err == nil || len(c.forms) == 0 {
		return err
	}
	msg := err.Error()
	clean := c.text(msg)
	if clean == msg {
		return err
	}
	c.cleanURLErrors(err)
	return &redactedError{msg: clean, err: err}
}

// cleanURLErrors scrubs the URL, and seals the cause, of every *url.Error
// in err's chain.
func (c *credentials) cleanURLErrors(err error) {
	for err != nil {
		var ue *url.Error
		if !errors.As(err, &ue) {
			return
		}
		ue.URL = c.text(ue.URL)
		var op *net.OpError
		if errors.As(ue.Err, &op) {
			if de, ok := op.Err.(*net.DNSError); ok { //nolint:errorlint // only the direct cause can be replaced by a copy
				// The host looked up (a redirect's, which may echo the key).
				// The resolver may hand one *DNSError to several lookups, so
				// it gets a clean copy rather than a change in place.
				clean := *de
				clean.Name, clean.Server, clean.Err = c.text(de.Name), c.text(de.Server), c.text(de.Err)
				op.Err = &clean
			}
		}
		ue.Err = c.seal(ue.Err) // an already sealed cause comes back as it is
		err = ue.Err
	}
}

// redactedError is an error whose text had the credential removed. It
// unwraps to the original, so that errors.Is and errors.As keep working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// GoString keeps %#v, which would print the wrapped error's fields, to the
// scrubbed text.
func (e *redactedError) GoString() string {
	return "&wrapper.redactedError{msg:" + strconv.Quote(e.msg) + "}"
}

// unescape undoes one layer of the escapes an echoed secret may be wrapped
// in: JSON and Go string escapes (\u0063, \/, \", \\, \x63) and URL
// percent-escapes (%2F or %2f). Anything else is kept as it is.
func unescape(s string) string {
	if !strings.ContainsAny(s, `\%`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case ch == '\\' && i+1 < len(s):
			n := unescapeAt(&b, s, i)
			i += n - 1
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// unescapeAt writes the character the backslash escape at s[i] stands for
// and returns the escape's length; an unknown escape is written as it is.
func unescapeAt(b *strings.Builder, s string, i int) int {
	switch e := s[i+1]; e {
	case '"', '\\', '/', '\'':
		b.WriteByte(e)
		return 2
	case 'n':
		b.WriteByte('\n')
		return 2
	case 't':
		b.WriteByte('\t')
		return 2
	case 'r':
		b.WriteByte('\r')
		return 2
	case 'x':
		if i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]) {
			b.WriteByte(unhex(s[i+2])<<4 | unhex(s[i+3]))
			return 4
		}
	case 'u':
		r, ok := hex4(s, i+2)
		if !ok {
			break
		}
		if utf16.IsSurrogate(r) {
			// A pair spells one character outside the BMP.
			if lo, ok := hex4(s, i+8); ok && i+7 < len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
				if p := utf16.DecodeRune(r, lo); p != utf8.RuneError {
					b.WriteRune(p)
					return 12
				}
			}
		}
		b.WriteRune(r) // a lone surrogate becomes U+FFFD
		return 6
	}
	b.WriteByte('\\')
	return 1
}

// hex4 reads four hex digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		if !isHex(s[j]) {
			return 0, false
		}
		r = r<<4 | rune(unhex(s[j]))
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
