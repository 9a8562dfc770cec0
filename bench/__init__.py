"""Load bots over real sockets, their scenarios, and benchmarks that print figures."""
