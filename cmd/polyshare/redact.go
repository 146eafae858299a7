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

// redactingWriter passes what the CLI prints through wrapper.Redact for the
// keys in the environment, a line at a time, so that no key reaches the
// terminal, whatever put it there: a server echoing it in an answer the CLI
// prints, or the key pasted where an argument goes. Lines are whole when
// redacted, so a key is never split across two writes. It is safe for
// concurrent use (serve's access log writes from request goroutines).
type redactingWriter struct {
	mu   sync.Mutex
	w    io.Writer
	keys []string
	buf  []byte
}

// maxPending bounds what waits for a newline before it is written anyway.
const maxPending = 64 << 10

// newRedactingWriter wraps w; keys that are empty are ignored. Without a
// key it still buffers by line, which changes nothing a reader can see.
func newRedactingWriter(w io.Writer, keys ...string) *redactingWriter {
	r := &redactingWriter{w: w}
	for _, k := range keys {
		if k != "" {
			r.keys = append(r.keys, k)
		}
	}
	return r
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
		s = wrapper.Redact(s, k)
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
