"""The GnuTLS replayer: the library in this process (server.py), after checking that it is
exactly the release the analyzer models. A verdict must not depend on the machine's patch
level, so any other GnuTLS is refused with what to install; the Debian package revision is
named in the label but not refused."""

from __future__ import annotations

from functools import cache

from generator.compat.replay import Replayer, ReplayUnavailable
from generator.stacks import StackId
from generator.stacks.gnutls.facts import DEBIAN_PACKAGE, EXPECTED_VERSION, INSTALL, PRIORITY


def check_version(reported: str) -> str:
    """`reported` (what gnutls_check_version(NULL) says) if it is the modelled release; else
    ReplayUnavailable saying what is expected and how to install it."""
    if reported != EXPECTED_VERSION:
        raise ReplayUnavailable(
            f"the GnuTLS stack's verdicts are for GnuTLS {EXPECTED_VERSION} (Debian 12's "
            f"{DEBIAN_PACKAGE}), but this machine's libgnutls.so.30 is GnuTLS {reported}; "
            f"replay on Debian 12 bookworm: {INSTALL}")
    return reported


@cache
def replayer() -> Replayer:
    """The GnuTLS replayer, loaded once per process."""
    try:
        from generator.stacks.gnutls import server
        version = check_version(server.reported_version())
    except ImportError as error:
        raise ReplayUnavailable(f"the GnuTLS replayer cannot be loaded ({error}); reinstall "
                                "tlskb: make, or pip install -e .") from None
    except server.GnuTLSUnavailable as error:
        raise ReplayUnavailable(str(error)) from None
    package = server.package_version()
    library = f"GnuTLS {version}"
    label = (f"GnuTLS {version} ({DEBIAN_PACKAGE} {package}, priority {PRIORITY})" if package
             else f"GnuTLS {version} (priority {PRIORITY})")
    extra = {"gnutls": version, "priority": PRIORITY}
    if package:
        extra["package"] = package
    return Replayer(StackId.GNUTLS, library, version, label, server.replay, is_reference=True,
                    extra=extra)
