"""`igbot demo` and `igbot sandbox`: the emulators and the bot wired together on loopback."""
