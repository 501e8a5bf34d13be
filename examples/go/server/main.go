// An HTTPS server that requires a client certificate from the same CA and reloads its
// certificate and CA on SIGHUP (sent by `mintca agent -pid-file=...` after each renewal).
//
//	TLS_DIR=/etc/tls ADDR=127.0.0.1:8443 PID_FILE=/run/app.pid go run ./server
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// load reads one version of the agent's files: through ..data, resolved once, the key and
// certificate always belong together.
func load(dir string) (*tls.Config, error) {
	if real, err := filepath.EvalSymlinks(filepath.Join(dir, "..data")); err == nil {
		dir = real
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificates in %s", filepath.Join(dir, "ca.crt"))
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

func serial(c *tls.Config) string {
	leaf, err := x509.ParseCertificate(c.Certificates[0].Certificate[0])
	if err != nil {
		return "?"
	}
	return strings.ToUpper(leaf.SerialNumber.Text(16))
}

func main() {
	dir := env("TLS_DIR", "/etc/tls")
	var current atomic.Pointer[tls.Config]
	first, err := load(dir)
	if err != nil {
		log.Fatal(err)
	}
	current.Store(first)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			next, err := load(dir)
			if err != nil {
				log.Printf("reload failed, keeping the current certificate: %v", err)
				continue
			}
			current.Store(next)
			log.Printf("reloaded certificate %s", serial(next))
		}
	}()

	listener, err := net.Listen("tcp", env("ADDR", "127.0.0.1:8443"))
	if err != nil {
		log.Fatal(err)
	}
	// Each handshake takes the configuration current at that moment.
	config := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return current.Load(), nil }}
	if pidFile := os.Getenv("PID_FILE"); pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("listening on https://%s with certificate %s", listener.Addr(), serial(first))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.TLS.PeerCertificates[0].Subject.CommonName)
	})
	log.Fatal(http.Serve(tls.NewListener(listener, config), handler))
}
