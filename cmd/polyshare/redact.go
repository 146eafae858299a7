package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/polyshare/polyshare/wrapper"
)

// keys are the credentials in the CLI's environment, which nothing it
// prints may show. Text from a server is redacted before it is escaped for
// the terminal (wrapper.Redact undoes the escapes it finds the key behind);
// everything printed then passes a redactingWriter, which replaces only
// verbatim spellings, so it cannot undo the escaping.
type keys []string

// envKeys are the keys set in the environment.
func envKeys(getenv func(string) string) keys {
	var ks keys
	for _, v := range []string{"POLYTOMIC_API_KEY", "POLYTOMIC_DEPLOYMENT_KEY"} {
		if k := getenv(v); k != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// text is s without the keys, in any spelling (see wrapper.Redact).
func (ks keys) text(s string) string {
	for _, k := range ks {
		s = wrapper.Redact(s, k)
	}
	return s
}

// json is the JSON document b with every string in it redacted.
func (ks keys) json(b []byte) []byte {
	for _, k := range ks {
		b = wrapper.RedactJSON(b, k)
	}
	return b
}

// redactingWriter replaces, a line at a time, every verbatim spelling of the
// keys in what the CLI prints: the last guard, for a key pasted where an
// argument goes or any other path to the output. It changes nothing else,
// so escaped output stays escaped; lines are whole when redacted, so a key
// is never split across two writes. It is safe for concurrent use (serve's
// access log writes from request goroutines).
type redactingWriter struct {
	mu   sync.Mutex
	w    io.Writer
	keys keys
	buf  []byte
}

// maxPending bounds what waits for a newline before it is written anyway.
const maxPending = 64 << 10

func newRedactingWriter(w io.Writer, ks keys) *redactingWriter {
	return &redactingWriter{w: w, keys: ks}
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	end := bytes.LastIndexByte(r.buf, '\n') + 1
	if end == 0 && len(r.buf) < maxPending {
		return len(p), nil
	}
	if end == 0 {
		end = len(r.buf)
	}
	err := r.emit(r.buf[:end])
	r.buf = append(r.buf[:0], r.buf[end:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is left after the last newline.
func (r *redactingWriter) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return nil
	}
	err := r.emit(r.buf)
	r.buf = r.buf[:0]
	return err
}

func (r *redactingWriter) emit(b []byte) error {
	if len(r.keys) == 0 {
		_, err := r.w.Write(b)
		return err
	}
	s := string(b)
	for _, k := range r.keys {
		s = wrapper.RedactVerbatim(s, k)
	}
	_, err := io.WriteString(r.w, s)
	return err
}

// jsonSafe escapes, in encoded JSON, the characters a terminal acts on that
// encoding/json leaves as they are (DEL, C1 controls such as U+009B, the
// Unicode bidirectional controls such as U+202E): as \uXXXX, which decodes
// to the same string. Only string contents can hold them, so the JSON is
// the same JSON.
func jsonSafe(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
		return b
	}
	var out strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != '\n' && unsafeRune(r) {
			fmt.Fprintf(&out, `\u%04x`, r) // every such rune is in the BMP
		} else {
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return []byte(out.String())
}
