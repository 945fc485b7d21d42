"""`tlskb impact`: who breaks if the certificate switches key type, counted in real traffic."""
