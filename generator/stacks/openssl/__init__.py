"""The OpenSSL server stack, which tlskb proves its verdicts against.

- facts.py  — what the reference server does, as data, each fact with the OpenSSL releases it
  holds for; the analyzer reasons from these.
- pinned.py — the reference server itself: the OpenSSL inside the pinned `cryptography`
  wheel, driven through pyOpenSSL over memory BIOs. The same library on every machine, so
  every machine proves the same verdicts.
- system.py — this machine's own libssl through Python's `ssl` module, configured like the
  reference: what that library does with the client's bytes. An option for admins, never the
  reference.
"""
