// Command wrapperonly is the smallest useful program built on the wrapper:
// it shares one connection and prints the new id. cmd/footprint compares its
// binary with rawhttp's and checks what it links.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/google/uuid"

	"github.com/polyshare/polyshare/wrapper"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: wrapperonly PARENT_ID CHILD_ORG_ID")
		os.Exit(2)
	}
	c, err := wrapper.New(wrapper.WithAPIKey(os.Getenv("POLYTOMIC_API_KEY")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	id, err := c.CreateSharedConnection(context.Background(), uuid.MustParse(os.Args[1]), uuid.MustParse(os.Args[2]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(id)
}
