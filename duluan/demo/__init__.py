"""`duluan demo`: the daemon and the console against bundled sample outlets, offline, in a
throwaway data folder (see `duluan.demo.outlet` for the outlets, `duluan.demo.run` for the run)."""
