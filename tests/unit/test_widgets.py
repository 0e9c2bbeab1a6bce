"""Widget configuration: the TOML file, keys from the environment or a file, errors that name
the widget and the field, and the single `default` widget configured by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings, SettingsError, load_settings
from app.widgets import SANDBOX_BASE, load_widgets, origin_of

pytestmark = pytest.mark.usefixtures("clean_env")

TWO_WIDGETS = """
[widgets.acme]
agency_name = "Acme Estates"
api_key_env = "ACME_LEADPRO_KEY"
allowed_origins = ["https://www.acme-estates.co.uk", "https://ACME.example/"]
office_id = 1213
lead_type = "vendor"
privacy_url = "https://www.acme-estates.co.uk/privacy"

[widgets.acme.brand]
primary_colour = "#ffdd00"

[[widgets.acme.questions]]
id = "timeframe"
text = "When are you thinking of moving?"
options = ["Within 3 months", "Later"]
required = true

[widgets.bloggs-lettings]
agency_name = "Bloggs Lettings"
api_key_file = "{key_file}"
source = "homepage"
lead_type = "landlord"
consent_required = false
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def widgets_from(tmp_path: Path, text: str, **settings: object):
    path = write(tmp_path / "widgets.toml", text)
    # Tests pass settings of several types by name; Settings validates each at run time.
    return load_widgets(Settings(widgets_file=path, **settings))  # type: ignore[arg-type]


def test_file_with_two_widgets_gives_both_with_their_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_LEADPRO_KEY", "  acme-secret \n")
    key_file = write(tmp_path / "bloggs.key", "bloggs-secret\n")

    widgets = widgets_from(tmp_path, TWO_WIDGETS.format(key_file=key_file))

    assert list(widgets) == ["acme", "bloggs-lettings"]
    acme, bloggs = widgets["acme"], widgets["bloggs-lettings"]
    assert acme.id == "acme"
    assert acme.agency_name == "Acme Estates"
    assert acme.api_key is not None
    assert acme.api_key.get_secret_value() == "acme-secret"
    assert acme.allowed_origins == ("https://www.acme-estates.co.uk", "https://acme.example")
    assert acme.office_id == 1213
    assert acme.lead_type == "vendor"
    assert acme.source == "ivt"
    assert acme.consent_required is True
    assert acme.brand.primary_colour == "#ffdd00"
    assert [q.id for q in acme.questions] == ["timeframe"]
    assert acme.questions[0].required is True
    assert acme.api_base == "https://api.lead.pro/api/v103"
    assert not acme.uses_sandbox
    assert acme.upstream.base_url == "https://api.lead.pro/api/v103"

    assert bloggs.api_key is not None
    assert bloggs.api_key.get_secret_value() == "bloggs-secret"
    assert bloggs.source == "homepage"
    assert bloggs.lead_type == "landlord"
    assert bloggs.consent_required is False


def test_widget_without_its_own_key_uses_the_services_key(tmp_path: Path) -> None:
    widgets = widgets_from(
        tmp_path,
        '[widgets.acme]\nagency_name = "Acme Estates"\n',
        leadpro_api_key="shared-key",
        secret_key="s" * 32,
    )

    key = widgets["acme"].api_key
    assert key is not None
    assert key.get_secret_value() == "shared-key"


def test_widget_without_any_key_uses_the_sandbox(tmp_path: Path) -> None:
    widgets = widgets_from(tmp_path, '[widgets.acme]\nagency_name = "Acme Estates"\n')

    acme = widgets["acme"]
    assert acme.api_key is None
    assert acme.uses_sandbox
    assert acme.upstream.is_sandbox
    assert acme.upstream.base_url == SANDBOX_BASE


def test_widget_api_base_follows_the_setting(tmp_path: Path) -> None:
    widgets = widgets_from(
        tmp_path,
        '[widgets.acme]\nagency_name = "Acme Estates"\n',
        leadpro_api_base="http://127.0.0.1:9999/api/",
    )

    assert widgets["acme"].api_base == "http://127.0.0.1:9999/api"


PREFIX = "Bad setting WIDGETS_FILE: widget 'acme': "
ACME = '[widgets.acme]\nagency_name = "Acme Estates"\n'


def question(n: int, text_length: int = 200, option_length: int = 100) -> str:
    return (
        f'[[widgets.acme.questions]]\nid = "q{n}"\ntext = "{"t" * text_length}"\n'
        f'options = ["{"o" * option_length}", "no"]\n'
    )


BAD_WIDGETS = [
    (
        "bad-colour",
        ACME + '[widgets.acme.brand]\nprimary_colour = "blue"\n',
        "brand.primary_colour: must be a hex colour like #1d4f91",
    ),
    (
        "bad-accent-colour",
        ACME + '[widgets.acme.brand]\naccent_colour = "#12345"\n',
        "brand.accent_colour: must be a hex colour like #1d4f91",
    ),
    (
        "origin-with-a-path",
        ACME + 'allowed_origins = ["https://x.com/path"]\n',
        "allowed_origins: 'https://x.com/path' is not an origin like https://www.example.co.uk",
    ),
    (
        "origin-without-scheme",
        ACME + 'allowed_origins = ["www.example.co.uk"]\n',
        "allowed_origins: 'www.example.co.uk' is not an origin like https://www.example.co.uk",
    ),
    ("unknown-source", ACME + 'source = "facebook"\n', "source: Input should be 'rightmove'"),
    (
        "unknown-lead-type",
        ACME + 'lead_type = "buyer"\n',
        "lead_type: Input should be 'vendor', 'landlord' or 'choose'",
    ),
    (
        "missing-env-var",
        ACME + 'api_key_env = "NO_SUCH_KEY_VAR"\n',
        "api_key_env: environment variable NO_SUCH_KEY_VAR is not set",
    ),
    (
        "both-key-sources",
        ACME + 'api_key_env = "ACME_KEY"\napi_key_file = "acme.key"\n',
        "give api_key_env or api_key_file, not both",
    ),
    (
        "missing-key-file",
        ACME + 'api_key_file = "no-such.key"\n',
        "api_key_file: cannot read no-such.key",
    ),
    (
        "questions-over-2048-bytes",
        ACME + "".join(question(n) for n in range(7)),
        "questions: the longest answers exceed the Lead API's 2048-byte questionnaire limit",
    ),
    (
        "duplicate-question-ids",
        ACME + question(1, 10, 10) + question(1, 10, 10),
        "questions: each question needs its own id",
    ),
    (
        "question-with-one-option",
        ACME + '[[widgets.acme.questions]]\nid = "q"\ntext = "Sure?"\noptions = ["Yes"]\n',
        "questions.0.options:",
    ),
    ("unknown-key", ACME + 'colour = "#ffffff"\n', "colour: Extra inputs are not permitted"),
    (
        "unknown-brand-key",
        ACME + '[widgets.acme.brand]\ncolor = "#ffffff"\n',
        "brand.color: Extra inputs are not permitted",
    ),
    ("missing-agency-name", "[widgets.acme]\noffice_id = 1\n", "agency_name: Field required"),
    ("empty-agency-name", '[widgets.acme]\nagency_name = ""\n', "agency_name:"),
    ("office-id-not-a-number", ACME + 'office_id = "main"\n', "office_id:"),
    ("bad-privacy-url", ACME + 'privacy_url = "privacy.html"\n', "privacy_url:"),
    (
        "http-logo",
        ACME + '[widgets.acme.brand]\nlogo_url = "http://x.com/l.png"\n',
        "brand.logo_url: must be an https:// URL or a path on this service",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(text, expected) for _, text, expected in BAD_WIDGETS],
    ids=[name for name, _, _ in BAD_WIDGETS],
)
def test_bad_widget_entry_stops_start_up_naming_the_widget_and_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.setenv("ACME_KEY", "acme-secret")
    write(tmp_path / "acme.key", "acme-secret")

    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, text)

    message = str(raised.value)
    assert message.startswith(PREFIX + expected), message
    assert "\n" not in message


def test_six_longest_questions_still_fit_the_questionnaire_limit(tmp_path: Path) -> None:
    widgets = widgets_from(tmp_path, ACME + "".join(question(n) for n in range(6)))

    assert len(widgets["acme"].questions) == 6


def test_error_names_the_bad_widget_among_good_ones(tmp_path: Path) -> None:
    text = ACME + '[widgets.bloggs]\nagency_name = "Bloggs"\nsource = "facebook"\n'

    with pytest.raises(SettingsError, match=r"widget 'bloggs': source:"):
        widgets_from(tmp_path, text)


def test_bad_widget_id_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, '[widgets."Acme Estates"]\nagency_name = "Acme"\n')

    assert str(raised.value).startswith(
        "Bad setting WIDGETS_FILE: widget 'Acme Estates': id: String should match pattern"
    )


def test_empty_environment_variable_counts_as_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_KEY", "   ")

    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, ACME + 'api_key_env = "ACME_KEY"\n')

    assert str(raised.value) == PREFIX + "api_key_env: environment variable ACME_KEY is not set"


def test_empty_key_file_is_refused(tmp_path: Path) -> None:
    key_file = write(tmp_path / "acme.key", "\n")

    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, ACME + f'api_key_file = "{key_file}"\n')

    assert str(raised.value) == PREFIX + f"api_key_file: {key_file} is empty"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Bad setting WIDGETS_FILE: define at least one [widgets.ID] table"),
        ("[widgets]\n", "Bad setting WIDGETS_FILE: define at least one [widgets.ID] table"),
        ('widgets = "acme"\n', "Bad setting WIDGETS_FILE: define at least one [widgets.ID] table"),
        ("[widgets.acme\n", "Bad setting WIDGETS_FILE: cannot read"),
    ],
    ids=["empty-file", "no-widget-tables", "widgets-not-a-table", "not-toml"],
)
def test_file_without_widgets_or_not_toml_is_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, text)

    assert str(raised.value).startswith(expected)


def test_missing_widgets_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    settings = Settings(widgets_file=tmp_path / "nowhere.toml")

    with pytest.raises(SettingsError, match=r"^Bad setting WIDGETS_FILE: cannot read"):
        load_widgets(settings)


# --- without WIDGETS_FILE ----------------------------------------------------------------


def test_without_a_widgets_file_one_default_widget_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WIDGET_AGENCY_NAME", "Acme Estates")
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.acme-estates.co.uk, https://acme.ex")
    monkeypatch.setenv("WIDGET_OFFICE_ID", "1213")
    monkeypatch.setenv("WIDGET_SOURCE", "homepage")
    monkeypatch.setenv("WIDGET_CONSENT_REQUIRED", "false")
    monkeypatch.setenv("WIDGET_PRIMARY_COLOUR", "#ffdd00")
    monkeypatch.setenv("WIDGET_PRIVACY_URL", "https://www.acme-estates.co.uk/privacy")
    monkeypatch.setenv("LEADPRO_API_KEY", "live-key")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)

    widgets = load_widgets(load_settings())

    assert list(widgets) == ["default"]
    default = widgets["default"]
    assert default.id == "default"
    assert default.agency_name == "Acme Estates"
    assert default.allowed_origins == ("https://www.acme-estates.co.uk", "https://acme.ex")
    assert default.office_id == 1213
    assert default.source == "homepage"
    assert default.consent_required is False
    assert default.brand.primary_colour == "#ffdd00"
    assert default.privacy_url == "https://www.acme-estates.co.uk/privacy"
    assert default.api_key is not None
    assert default.api_key.get_secret_value() == "live-key"
    assert default.lead_type == "choose"


def test_default_widget_without_a_key_uses_the_sandbox() -> None:
    default = load_widgets(load_settings())["default"]

    assert default.uses_sandbox
    assert default.agency_name == "Our agency"
    # Development: the service's own loopback origins, so /demo embeds it across them.
    assert default.allowed_origins == ("http://localhost:8000", "http://127.0.0.1:8000")


def test_sandbox_widget_follows_the_port_and_gives_way_to_explicit_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "8123")
    default = load_widgets(load_settings())["default"]
    assert default.allowed_origins == ("http://localhost:8123", "http://127.0.0.1:8123")

    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.acme-estates.co.uk")
    default = load_widgets(load_settings())["default"]
    assert default.allowed_origins == ("https://www.acme-estates.co.uk",)


def test_widget_with_a_key_gets_no_development_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADPRO_API_KEY", "live-key")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    assert load_widgets(load_settings())["default"].allowed_origins == ()


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("WIDGET_SOURCE", "facebook", "source"),
        ("WIDGET_PRIMARY_COLOUR", "blue", "primary_colour"),
        ("WIDGET_PRIVACY_URL", "privacy.html", "privacy_url"),
        ("WIDGET_AGENCY_NAME", "", "agency_name"),
    ],
)
def test_bad_default_widget_setting_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        load_widgets(load_settings())

    message = str(raised.value)
    assert message.startswith(f"Bad setting for the default widget: {field}: "), message
    assert "\n" not in message


# --- allowed origins that cannot work ---------------------------------------------------
# Messages and CORS compare a browser's exact origin: a pattern or `null` never matches a real
# site (the iframe would never resize, `host` would be dropped), so start-up refuses them.

WILDCARD = "is a wildcard, which cannot work: the widget's messages need each site's exact origin"
NULL = "is the origin of sandboxed frames and local files, which any page can pretend to be"
UNWORKABLE_ORIGINS = [
    ("http://*.agency.co.uk", f"'http://*.agency.co.uk' {WILDCARD}"),
    ("https://*.agency.co.uk", f"'https://*.agency.co.uk' {WILDCARD}"),
    ("*", f"'*' {WILDCARD}"),
    ("https://*", f"'https://*' {WILDCARD}"),
    ("*.agency.co.uk", f"'*.agency.co.uk' {WILDCARD}"),
    ("https://www.agency.co.uk:*", f"'https://www.agency.co.uk:*' {WILDCARD}"),
    ("https://www.agency.*", f"'https://www.agency.*' {WILDCARD}"),
    ("null", f"'null' {NULL}"),
    ("NULL", f"'NULL' {NULL}"),
    (
        "https://bücher.de",
        "'https://bücher.de' has a host browsers send in its ASCII form: "
        "write https://xn--bcher-kva.de",
    ),
    (
        "https://straße.de:8443",
        "'https://straße.de:8443' has a host browsers send in its ASCII form: "
        "write https://xn--strae-oqa.de:8443",
    ),
    ("https://www.agency.co.uk:443", "'https://www.agency.co.uk:443' is not an origin like"),
    ("https://x.com/path", "'https://x.com/path' is not an origin like"),
    ("https://agency co.uk", "'https://agency co.uk' is not an origin like"),
]
UNWORKABLE_IDS = [entry for entry, _ in UNWORKABLE_ORIGINS]


@pytest.mark.parametrize(("entry", "reason"), UNWORKABLE_ORIGINS, ids=UNWORKABLE_IDS)
def test_unworkable_origin_in_widgets_file_stops_start_up_naming_it(
    tmp_path: Path, entry: str, reason: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, ACME + f'allowed_origins = ["https://ok.example", "{entry}"]\n')

    message = str(raised.value)
    assert message.startswith(f"{PREFIX}allowed_origins: {reason}"), message
    assert "\n" not in message


@pytest.mark.parametrize(("entry", "reason"), UNWORKABLE_ORIGINS, ids=UNWORKABLE_IDS)
def test_unworkable_origin_in_the_environment_stops_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, entry: str, reason: str
) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", f"https://ok.example,{entry}")

    with pytest.raises(SettingsError) as raised:
        load_widgets(load_settings())

    message = str(raised.value)
    assert message.startswith(f"Bad setting WIDGET_ALLOWED_ORIGINS: {reason}"), message
    assert "\n" not in message


WORKABLE_ORIGINS = [
    ("https://www.agency.co.uk", "https://www.agency.co.uk"),
    ("https://WWW.Agency.co.uk/", "https://www.agency.co.uk"),
    ("http://localhost:8000", "http://localhost:8000"),
    ("https://xn--bcher-kva.de", "https://xn--bcher-kva.de"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("https://intranet_site.agency.local", "https://intranet_site.agency.local"),
]


@pytest.mark.parametrize(
    ("entry", "origin"), WORKABLE_ORIGINS, ids=[e for e, _ in WORKABLE_ORIGINS]
)
def test_exact_origins_are_accepted_in_both_places_as_browsers_send_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, origin: str
) -> None:
    from_file = widgets_from(tmp_path, ACME + f'allowed_origins = ["{entry}"]\n')
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", entry)
    from_environment = load_widgets(load_settings())

    assert from_file["acme"].allowed_origins == (origin,)
    assert from_environment["default"].allowed_origins == (origin,)


# --- origin_of ---------------------------------------------------------------------------

ORIGINS = [
    ("https://www.example.co.uk", "https://www.example.co.uk"),
    ("https://www.example.co.uk/", "https://www.example.co.uk"),
    ("https://www.example.co.uk/sell/valuation?x=1#top", "https://www.example.co.uk"),
    ("HTTPS://WWW.Example.CO.UK/Page", "https://www.example.co.uk"),
    ("https://www.example.co.uk:443/", "https://www.example.co.uk"),
    ("http://www.example.co.uk:80/", "http://www.example.co.uk"),
    ("http://localhost:8080/test", "http://localhost:8080"),
    ("https://www.example.co.uk:80/", "https://www.example.co.uk:80"),
    ("https://user:secret@www.example.co.uk/", "https://www.example.co.uk"),
    ("  https://www.example.co.uk/  ", "https://www.example.co.uk"),
    ("ftp://www.example.co.uk/", None),
    ("javascript:alert(1)", None),
    ("//www.example.co.uk/", None),
    ("www.example.co.uk", None),
    ("https://", None),
    ("https://www.example.co.uk:99999/", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "origin"), ORIGINS, ids=[u.strip() or "empty" for u, _ in ORIGINS])
def test_origin_of_gives_scheme_host_and_non_default_port(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


def test_origin_of_an_ipv6_literal_keeps_its_brackets() -> None:
    """An origin's host is serialised as in the URL: `[::1]`, not `::1` (RFC 6454)."""
    assert origin_of("http://[::1]:8000/page") == "http://[::1]:8000"
    assert origin_of("https://[2001:db8::1]/") == "https://[2001:db8::1]"


def test_widget_may_be_framed_only_by_its_allowed_origins(make_widget) -> None:
    widget = make_widget(allowed_origins=("https://www.example.co.uk",))

    own = "https://valuations.example.com"
    assert widget.trusts("https://www.example.co.uk", own)
    assert widget.trusts(own, own)  # the service's own pages (the snippet page's preview)
    assert not widget.trusts("https://evil.example", own)
    assert not widget.trusts(None, own)


def test_consent_wording_names_the_agency(make_widget) -> None:
    widget = make_widget(agency_name="Bloggs & Co")

    assert "Bloggs & Co may contact me" in widget.consent_wording
    assert "{agency}" not in widget.consent_wording


def test_default_consent_wording_mentions_a_privacy_notice_only_when_there_is_one(
    make_widget,
) -> None:
    without = make_widget(agency_name="Bloggs & Co").consent_wording
    with_notice = make_widget(
        agency_name="Bloggs & Co", privacy_url="https://bloggs.example/privacy"
    ).consent_wording

    assert without == (
        "I agree that Bloggs & Co may contact me about my valuation and store my details."
    )
    assert "privacy" not in without.lower()
    assert with_notice == (
        "I agree that Bloggs & Co may contact me about my valuation and store my details "
        "as described in its privacy notice."
    )


def test_an_agencys_own_consent_wording_is_used_as_written(make_widget) -> None:
    widget = make_widget(consent_text="{agency} may phone me about this valuation.")

    assert widget.consent_wording == "Acme Estates may phone me about this valuation."


def test_own_wording_promising_a_privacy_notice_without_one_stops_start_up(
    tmp_path: Path,
) -> None:
    text = ACME + 'consent_text = "{agency} may contact me; see our Privacy Policy."\n'

    with pytest.raises(SettingsError) as raised:
        widgets_from(tmp_path, text)

    assert str(raised.value) == PREFIX + (
        "consent_text: mentions a privacy notice but privacy_url is not set; "
        "set privacy_url or leave the privacy notice out of the wording"
    )
    with_notice = ACME + 'privacy_url = "https://acme.example/privacy"\n' + text.removeprefix(ACME)
    assert widgets_from(tmp_path, with_notice)["acme"].consent_wording.endswith("Privacy Policy.")
