"""Radio buttons and checkboxes whose state shows as a mark, not only as a colour.

Textual's own toggles draw the same character on and off and change only its colour, which a
colour-blind officer or a monochrome terminal cannot read. These draw a mark when on and a space
when off, so the state reads in any theme.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class MarkedRadioButton(RadioButton):
    """A radio button that shows ● when chosen and nothing when not."""

    @property
    def BUTTON_INNER(self) -> str:  # overrides Textual's class constant
        return "●" if self.value else " "


class MarkedCheckbox(Checkbox):
    """A checkbox that shows ✓ when ticked and nothing when not."""

    @property
    def BUTTON_INNER(self) -> str:  # overrides Textual's class constant
        return "✓" if self.value else " "
