package manifests

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// secretPatterns are credentials that must never be in the repository.
// Test-mode Stripe keys (sk_test_…) and the development JWT key are not
// secrets; live ones are configured in Kubernetes Secrets, out of band.
var secretPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"private key", regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`)},
	{"live Stripe secret key", regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{10,}`)},
	{"Stripe webhook secret", regexp.MustCompile(`\bwhsec_[0-9A-Za-z]{20,}`)},
	{"AWS access key id", regexp.MustCompile(`\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b`)},
	{"AWS secret access key", regexp.MustCompile(`(?i)aws_?secret_?access_?key\W{1,4}[0-9A-Za-z/+]{40}\b`)},
	{"GitHub token", regexp.MustCompile(`\b(gh[pousr]_[0-9A-Za-z]{36,}|github_pat_[0-9A-Za-z_]{40,})`)},
	{"Slack token", regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`)},
	{"Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{"credentials in a URL", regexp.MustCompile(`\b[a-z][a-z0-9+.-]*://[^/\s:@'"]+:[^/\s:@'"$<>{}]{6,}@[0-9A-Za-z.-]+`)},
}

// secretFiles are file names that hold keys or environment secrets.
var secretFiles = regexp.MustCompile(`(^|/)(id_(rsa|dsa|ecdsa|ed25519)|[^/]*\.(pem|key|p12|pfx|jks|keystore)|\.env(\.[^/]*)?)$`)

// TestNoSecretsInRepository scans every file of the repository that git
// tracks or would add (not ignored) for private keys and live credentials.
func TestNoSecretsInRepository(t *testing.T) {
	t.Parallel()
	files := repoFiles(t)
	if len(files) < 100 {
		t.Fatalf("found only %d files to scan; is %s the repository?", len(files), root)
	}
	t.Logf("%d files scanned", len(files))
	for _, f := range files {
		if secretFiles.MatchString(f) {
			t.Errorf("%s: a key or environment file is in the repository", f)
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			if os.IsNotExist(err) { // deleted in the work tree
				continue
			}
			t.Fatal(err)
		}
		for _, finding := range findSecrets(data) {
			t.Errorf("%s:%s", f, finding)
		}
	}
}

// findSecrets returns "line: kind" for each secret in data (not binary).
func findSecrets(data []byte) []string {
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return nil // binary
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		for _, p := range secretPatterns {
			if p.re.Match(sc.Bytes()) {
				out = append(out, fmt.Sprintf("%d: %s", n, p.name))
			}
		}
	}
	return out
}

// repoFiles lists the repository's files relative to root: git's tracked
// and untracked-but-not-ignored files, or, without git, every file outside
// .git and the ignored build folders.
func repoFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	t.Logf("git ls-files: %v; walking the tree instead", err)
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case ".git", "bin", ".cache", ".data", ".e2e-artifacts":
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSecretPatterns checks that the scan finds what it is meant to, and
// passes what is not a secret. The samples are assembled at run time, so
// that this file holds none.
func TestSecretPatterns(t *testing.T) {
	t.Parallel()
	x := func(parts ...string) string { return strings.Join(parts, "") }
	found := []string{
		x("-----BEGIN ", "RSA PRIVATE KEY-----"),
		x("-----BEGIN ", "PRIVATE KEY-----"),
		x("-----BEGIN ", "OPENSSH PRIVATE KEY-----"),
		x("-----BEGIN ", "EC PRIVATE KEY-----"),
		x(`STRIPE_KEY: "sk_`, "live_", "4eC39HqLyjWDarjtT1zdp7dc", `"`),
		x("rk_", "live_", "51Habcdefghijklmnop"),
		x("key = AK", "IAIOSFODNN7EXAMPLE"),
		x("aws_secret_access_key = ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		x("token: gh", "p_", strings.Repeat("a1B2", 9)),
		x("mongodb://admin:", "s3cretpass@mongo.example.com/auth"),
	}
	for _, s := range found {
		if len(findSecrets([]byte(s))) == 0 {
			t.Errorf("not found: %q", s)
		}
	}
	clean := []string{
		x("STRIPE_KEY=sk_", "test_devstack"),
		x("pk_", "test_TYooMQauvdEDq54NiTphI7jx"),
		"JWT_KEY=dev-only-jwt-key-not-for-production",
		"-----BEGIN CERTIFICATE-----",
		"-----BEGIN PUBLIC KEY-----",
		"mongodb://127.0.0.1:27017/auth",
		"nats://nats-srv:4222",
		"valueFrom: {secretKeyRef: {name: stripe-secret, key: STRIPE_KEY}}",
		`regexp.MustCompile(` + "`" + `-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY` + "`" + `)`,
	}
	for _, s := range clean {
		if got := findSecrets([]byte(s)); len(got) != 0 {
			t.Errorf("%q flagged: %v", s, got)
		}
	}
	for name, want := range map[string]bool{
		"deploy/key.pem": true, "id_rsa": true, ".env": true, "infra/.env.prod": true, "certs/tls.key": true,
		".devstack.env.example": false, "docs/keys.md": false, "auth/internal/password/password.go": false,
	} {
		if got := secretFiles.MatchString(name); got != want {
			t.Errorf("secret file %q = %v, want %v", name, got, want)
		}
	}
}

// TestCreateSecretsScript checks that infra/k8s/create-secrets.sh creates every Secret and key
// the manifests read.
func TestCreateSecretsScript(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, "infra/k8s/create-secrets.sh"))
	if err != nil {
		t.Fatal(err)
	}
	// The loop over the services' stores: each name it creates, spelled out.
	loop := regexp.MustCompile(`(?m)^for svc in ([a-z ]+); do$`).FindStringSubmatch(string(data))
	if loop == nil {
		t.Fatal("create-secrets.sh has no loop over the services' stores")
	}
	var stores []string
	for _, svc := range strings.Fields(loop[1]) {
		stores = append(stores, `"`+svc+`-mongo-secret"`)
	}
	script := strings.ReplaceAll(string(data), `"$svc-mongo-secret"`, strings.Join(stores, " "))
	for name, keys := range Secrets {
		if !strings.Contains(script, name) {
			t.Errorf("create-secrets.sh does not create %s", name)
		}
		for key := range keys {
			if !strings.Contains(script, `"`+key+"=") {
				t.Errorf("create-secrets.sh does not set %s/%s", name, key)
			}
		}
	}
}
