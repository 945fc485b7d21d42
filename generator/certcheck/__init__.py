"""`tlskb cert`: a certificate (a file, or what a live server serves) against every known
client — which key types the chain holds, who breaks with them on each server stack, and
what to request instead. read (files), chain (certificates named), verdicts (who breaks,
pure), advice (what to request), report (text and JSON), command (the I/O); fetching from a
server is net/certfetch.py (the only code with sockets is in net/)."""
