"""Finding ClientHellos in what a user has: hex dumps, raw bytes, pcap and pcapng captures."""
