"""Address lookup: postcode → the addresses a homeowner picks from.

- `lookup.py`: `AddressLookup` (cache, rate limits, metrics; one call, never raises) and
  `open_address_lookup(settings, widgets)`, the one line that wires it into the app;
- `model.py`: `Address` and `Address.for_lead()`, the Lead API's `address`, `postcode`, `meta`;
- `errors.py`: one exception per outcome; `provider.py`: the interface of every provider;
- `idealpostcodes.py`, `osplaces.py`: the two adapters; `titlecase.py`: OS records' case rule;
- `config.py`: which provider each widget uses (the ADDRESS_LOOKUP settings).

Kept free of imports: `app.widgets` imports `config` while the app's modules are loading.
"""
