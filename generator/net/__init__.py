"""Sockets: `tlskb capture` (record the ClientHellos of clients that connect) and `tlskb probe`
(send the recorded ClientHellos to a live server). The only package that opens connections;
what is said on them comes from the sans-I/O code in tls/ and dialogue.py."""
