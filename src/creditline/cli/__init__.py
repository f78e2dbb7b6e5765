"""The `creditline` command line. Command modules are `*_cmd.py` files exposing `register(app)`."""
