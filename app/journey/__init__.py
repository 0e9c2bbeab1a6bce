"""The homeowner's journey: one question per page, GOV.UK's "one thing per page" pattern.

    postcode → address (picked from the provider's list, or typed: manual-address)
             → property → visit (optional) → details → the result page

Every step is a server-rendered page that works without JavaScript and without cookies. The
answers so far travel between steps in a signed hidden field (`Signer.sign_answers`); nothing
about the homeowner is stored before the final press with consent, and nothing goes in a URL.

- `steps.py`: the steps, their fields and their order;
- `answers.py`: the answers carried between steps, and the address a step adds to them;
- `funnel.py`: counters per widget and step (viewed, completed, went back), no personal data.

The pages are drawn by `app.pages.steps`; the requests are handled by `app.routes.journey`.
"""
