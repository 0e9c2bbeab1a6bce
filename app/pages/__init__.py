"""Every page the homeowner sees, drawn in one place; routes only choose which.

- `base`: `render` (what every page needs: brand, nonce, framing, no-store) and `message_page`.
- `form`: the form page, blank or with answers, errors and a notice.
- `result`: the result page for each state of a submission, and the expired-link page.
- `refusals`: the widget's own page for an error or an early refusal (bad body, unknown path...).
"""
