"""The Java JSSE stack: OpenJDK 17's own TLS provider (SunJSSE) as Tomcat, Jetty and Keycloak
run it by default — facts.py (its defaults, pinned), analyzer.py (its ClientHello decisions as
a pure function), replay.py (the real SSLEngine in one long-lived JVM, JsseReplay.java)."""
