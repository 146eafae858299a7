// Command rawhttp does what wrapperonly does with net/http and
// encoding/json alone: the baseline for the wrapper's binary size.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: rawhttp PARENT_ID CHILD_ORG_ID")
		os.Exit(2)
	}
	body, _ := json.Marshal(map[string]string{"child_organization_id": os.Args[2]})
	req, err := http.NewRequest(http.MethodPost, "https://app.polytomic.com/api/connections/"+os.Args[1]+"/share", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Polytomic-Version", "2024-02-08")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("POLYTOMIC_API_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		fmt.Fprintln(os.Stderr, "status", resp.StatusCode)
		os.Exit(1)
	}
	fmt.Println(out.Data.ID)
}
