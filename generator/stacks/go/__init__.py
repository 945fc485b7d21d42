"""The Go crypto/tls server stack (Caddy, Traefik, GitLab Pages, Mattermost, Gitea): verdicts
for go1.19 (Debian 12's golang-go), a `tls.Server` with a zero Config, one certificate and no
session tickets.

- facts.py       — what that server does, as data, with source citations, and what later Go
  releases change (LATER_GO).
- clienthello.py — the ClientHello as Go's own parser reads it (stricter than RFC parsing).
- analyzer.py    — the server's decisions in Go's order: (ClientHello, key type) -> Verdict.
- replay.py      — the proof: tlsreplay.go, a small Go program running `tls.Server` over an
  in-memory net.Conn, built on first use with the machine's `go` and kept running.
"""
