"""One page, one state, one handler that does the least Reflex can still answer.

Reflex 0.10.1 sends nothing back for a handler that changes no var (the event processor emits a delta only
when it is non-empty), so a literally empty handler cannot be timed from the client. `noop` therefore flips
one boolean: the smallest possible delta (about 100 bytes), i.e. pure framework + transport cost.
"""

import reflex as rx


class EmptyState(rx.State):
    tick: bool = False

    @rx.event
    def noop(self):
        self.tick = not self.tick


def index() -> rx.Component:
    # Plain HTML elements: no Radix Themes, so this is also the smallest front end Reflex builds.
    return rx.el.div(rx.el.span(EmptyState.tick.to_string()), rx.el.button("noop", on_click=EmptyState.noop))


app = rx.App()
app.add_page(index, route="/")
