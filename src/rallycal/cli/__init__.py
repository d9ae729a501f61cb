"""The `rallycal` command: a thin click layer over the library (`commands`), with what
people read (`report`, `summary`), the shared terminal conventions (`terminal`), the
preview (`preview`, `serve`, `watch`) and the console entry point (`main`)."""
