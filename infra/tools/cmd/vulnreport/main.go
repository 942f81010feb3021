// Command vulnreport reads `govulncheck -format json` from stdin and fails
// on every vulnerability the code calls that is not accepted in the file
// named by -accept (lines "GO-YYYY-NNNN reason", # comments). It prints one
// line per called vulnerability and counts the ones that are imported or
// required but not called.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type called struct {
	at, fixed string
}

func main() {
	acceptFile := flag.String("accept", "", "file of accepted vulnerability ids with reasons")
	label := flag.String("label", "", "what was scanned, for the output")
	flag.Parse()
	accepted, err := readAccepted(*acceptFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnreport:", err)
		os.Exit(2)
	}
	summaries := map[string]string{}
	calls := map[string]called{}
	seen := map[string]bool{}
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulnreport: reading govulncheck output:", err)
			os.Exit(2)
		}
		switch {
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f := m.Finding
			seen[f.OSV] = true
			if top := f.Trace[0]; top.Function != "" {
				calls[f.OSV] = called{at: top.Package + "@" + top.Version, fixed: f.FixedVersion}
			}
		}
	}
	ids := make([]string, 0, len(calls))
	for id := range calls {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var refused []string
	for _, id := range ids {
		c := calls[id]
		if _, ok := accepted[id]; ok {
			fmt.Printf("  accepted %s %s (fixed in %s)\n", id, c.at, orNone(c.fixed))
			continue
		}
		refused = append(refused, id)
		fmt.Printf("  CALLED %s %s (fixed in %s): %s\n", id, c.at, orNone(c.fixed), summaries[id])
	}
	fmt.Printf("%s: %d called (%d accepted), %d more imported or required but not called\n",
		*label, len(calls), len(calls)-len(refused), len(seen)-len(calls))
	if len(refused) > 0 {
		fmt.Printf("%s: called and not accepted: %s\n", *label, strings.Join(refused, " "))
		os.Exit(1)
	}
}

func orNone(s string) string {
	if s == "" {
		return "no release yet"
	}
	return s
}

func readAccepted(name string) (map[string]string, error) {
	out := map[string]string{}
	if name == "" {
		return out, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		out[id] = strings.TrimSpace(reason)
	}
	return out, nil
}
