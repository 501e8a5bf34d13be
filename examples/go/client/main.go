// An HTTPS client that presents its certificate and trusts only the CA from TLS_DIR.
//
//	TLS_DIR=/etc/tls go run ./client https://localhost:8443/
//
// Prints one JSON line: the status, the body and the serial of the server's certificate.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := os.Getenv("TLS_DIR")
	if dir == "" {
		dir = "/etc/tls"
	}
	if real, err := filepath.EvalSymlinks(filepath.Join(dir, "..data")); err == nil {
		dir = real
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		MinVersion:   tls.VersionTLS12,
	}}}
	url := "https://localhost:8443/"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "request failed: %v\n", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out, _ := json.Marshal(map[string]any{
		"status":        resp.StatusCode,
		"body":          string(body),
		"server_serial": strings.ToUpper(resp.TLS.PeerCertificates[0].SerialNumber.Text(16)),
	})
	fmt.Println(string(out))
}
