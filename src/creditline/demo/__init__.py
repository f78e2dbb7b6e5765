"""`creditline demo`: the whole platform on one machine, from nothing, in one command.

The demo drives the real commands in order — database migrations, `model train` on a simulated
applicant population, `simulate` into SQLite, `report portfolio`, an `abs` deal on the platform's
own loans, operator accounts — then serves the borrower app and the operator console. Nothing here
computes a business figure of its own: every number comes from the package that owns it.

Modules: `layout` (where the demo keeps its files, and whether a built demo can be reused),
`steps` (the build, one function per step), `model` (training the demo PD model), `tape` (the
platform's loans as a securitisation tape), `treasury` (the illustrative balance sheet),
`accounts` (demo operators and the development token), `commands` (running `creditline` commands
as child processes), `serving` (the server process), `display` (what the terminal shows).
"""

from creditline.demo.layout import DemoInvalid, DemoLayout, DemoOptions

__all__ = ["DemoInvalid", "DemoLayout", "DemoOptions"]
