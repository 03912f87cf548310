"""Every message of the back office, e-mails, PDFs and problem documents is translated into
French and Italian, and the committed .mo catalogues (what runs: no gettext needed) hold
exactly what the .po files say."""

import gettext
import html
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = ("fr", "it")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _unquote(block: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode()
    )


def _entries(language: str, locale: Path = LOCALE) -> list[dict]:
    text = (locale / language / "LC_MESSAGES" / "django.po").read_text()
    entries = []
    for block in text.split("\n\n")[1:]:
        if not block.strip() or block.lstrip().startswith("#~"):
            continue
        flags = re.findall(r"^#, (.*)$", block, re.M)
        msgid = _unquote(re.search(r"^msgid ((?:\".*\"\n?)+)", block, re.M).group(1))
        strs = [
            _unquote(m.group(1))
            for m in re.finditer(r"^msgstr(?:\[\d\])? ((?:\".*\"\n?)+)", block, re.M)
        ]
        plural = re.search(r"^msgid_plural ((?:\".*\"\n?)+)", block, re.M)
        entries.append(
            {
                "msgid": msgid,
                "plural": _unquote(plural.group(1)) if plural else None,
                "msgstrs": strs,
                "fuzzy": any("fuzzy" in flag for flag in flags),
            }
        )
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = _entries(language)
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstrs"])]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert (untranslated, fuzzy) == ([], [])
    for entry in entries:  # every placeholder survives the translation
        wanted = set(PLACEHOLDER.findall(entry["msgid"]))
        for msgstr in entry["msgstrs"]:
            assert set(PLACEHOLDER.findall(msgstr)) == wanted, entry["msgid"]


def _makemessages_arguments() -> list[str]:
    """The arguments `make messages` gives makemessages, read from the Makefile, so the test
    extracts exactly what the catalogues are regenerated from."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^\t\$\(PY\) manage\.py makemessages (.*)$", makefile, re.M)
    assert line, "the Makefile's messages target runs makemessages"
    return shlex.split(line.group(1))


def _not_read(ignored: list[str]):
    """shutil.copytree's ignore: what makemessages does not read (hidden and ignored folders,
    files other than Python, templates and the catalogues)."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if name.startswith(".")
            or name in ignored
            or not (Path(directory) / name).is_dir()
            and not name.endswith((".py", ".html", ".txt", ".po"))
        }

    return ignore


@pytest.fixture(scope="module")
def regenerated_locale(tmp_path_factory) -> Path:
    """The catalogues as `make messages` would leave them now: makemessages run on a copy of the
    source with the committed .po files, so every message of the source is in them."""
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq") if shutil.which(tool) is None]
    if missing:
        message = f"GNU gettext is needed to extract the messages ({', '.join(missing)} missing)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    arguments = _makemessages_arguments()
    ignored = [a.split("=", 1)[1] for a in arguments if a.startswith("--ignore=")]
    copy = tmp_path_factory.mktemp("messages") / "src"
    shutil.copytree(ROOT, copy, ignore=_not_read(ignored))
    cwd = Path.cwd()
    os.chdir(copy)  # makemessages reads the tree below the current folder
    try:
        call_command("makemessages", *arguments, verbosity=0)
    finally:
        os.chdir(cwd)
    return copy / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_source_is_in_the_catalogue(language, regenerated_locale):
    """A string marked for translation but missing from locale/<language> (or only fuzzily
    matched by msgmerge) fails, as does a catalogue still holding messages the source no longer
    has: run `make messages` and translate what it adds."""
    regenerated = _entries(language, regenerated_locale)
    new = [
        e["msgid"] for e in regenerated if e["fuzzy"] or not all(s.strip() for s in e["msgstrs"])
    ]
    committed = {e["msgid"] for e in _entries(language)}
    stale = sorted(committed - {e["msgid"] for e in regenerated})
    assert (new, stale) == ([], [])
    assert len(regenerated) > 900


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_holds_what_the_po_says(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for entry in _entries(language):
        if entry["plural"] is None:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstrs"][0], entry["msgid"]
        else:
            assert catalogue.ngettext(entry["msgid"], entry["plural"], 1) == entry["msgstrs"][0]


def test_status_words_and_problem_titles_follow_the_language():
    from orders.exceptions import InvalidTransition
    from orders.status_labels import badge_for

    with translation.override("fr"):
        assert str(badge_for("order", "C").label) == "Payée — prête à préparer"
        assert str(InvalidTransition.title) == "Ce changement de statut n'est pas autorisé"
    with translation.override("it"):
        assert str(badge_for("order", "A").label) == "Pagamento da verificare"


@pytest.mark.django_db
def test_the_admin_home_speaks_the_browsers_language(client, staff_user):
    client.force_login(staff_user)
    home = reverse("admin:index")
    assert "À traiter en premier" in client.get(home, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Da gestire per primo" in client.get(home, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Needs attention first" in client.get(home).content.decode()


@pytest.mark.django_db
def test_the_order_list_and_page_speak_the_agents_language(client, staff_user, settings):
    """The order list and page in French (the browser's Accept-Language) and Italian (the
    language cookie): model and field names, help, status and payment words, actions."""
    from tests.factories import SaleSessionFactory
    from tests.inventory.factories import customer_of, offer_with_stock, placed_with

    session = SaleSessionFactory(name="Marché du samedi")
    bread = offer_with_stock(session, on_hand="40", product__name="Pain au levain")
    order = placed_with(session, [(bread, "3")], customer=customer_of(session, name="Ada"))
    client.force_login(staff_user)
    listing, page = (
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_order_change", args=[order.pk]),
    )

    def text(url: str, **headers) -> str:
        response = client.get(url, **headers)
        assert response.status_code == 200
        return html.unescape(response.content.decode())

    french_list = text(listing, HTTP_ACCEPT_LANGUAGE="fr")
    for words in ("Commandes", "Par statut", "Passée le", "Payée — prête à préparer"):
        assert words in french_list
    assert "Payée (autorisé)" in french_list
    french_page = text(page, HTTP_ACCEPT_LANGUAGE="fr")
    for words in (
        f"Commande {order.number}",
        "C · complète (paiement autorisé)",
        "Montant autorisé",
        "Ce que le prestataire de paiement a autorisé.",
        "Lancer la préparation",
        "Annuler la commande…",
        "Article ajouté",
        "autorisation",
    ):
        assert words in french_page, words
    for english in (f"Order {order.number}", "Amount authorized", "Release to fulfilment"):
        assert english not in french_page, english

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    italian_list = text(listing)
    assert "Ordini" in italian_list
    assert "Pagato — pronto da preparare" in italian_list
    assert f"Ordine {order.number}" in text(page)


@pytest.mark.django_db
def test_customer_e_mails_are_written_in_the_language_asked(system_actor, settings):
    from orders.services.notifications import customer_notification_render
    from tests.factories import SaleSessionFactory
    from tests.inventory.factories import customer_of, offer_with_stock, placed_with

    session = SaleSessionFactory()
    order = placed_with(
        session,
        [(offer_with_stock(session, product__name="Pane"), "1")],
        customer=customer_of(session, name="Ada"),
    )
    settings.LANGUAGE_CODE = "it"

    mail = customer_notification_render(order=order, kind="cancelled", note="")

    assert mail["subject"] == f"Il tuo ordine {order.number} è annullato"
    assert mail["text"].startswith("Buongiorno Ada,")
    assert '<html lang="it">' in mail["html"]


def _subclasses(cls) -> set:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _translated_msgids(language: str) -> set[str]:
    return {e["msgid"] for e in _entries(language) if all(s.strip() for s in e["msgstrs"])}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_problem_title_is_translated(language):
    """Every problem document's title, of every error class of every app, is marked for
    translation and has a translation in the catalogue."""
    import importlib
    import pkgutil

    from django.apps import apps
    from django.utils.functional import Promise

    from config.exceptions import ApplicationError

    ours = ("config", "platforms", "inventory", "sessions_app", "discounts", "orders")
    for app in (apps.get_app_config(label) for label in ours):
        for module in pkgutil.walk_packages([app.path], prefix=f"{app.name}."):
            if module.name.rsplit(".", 1)[-1] == "exceptions":
                importlib.import_module(module.name)
    errors = _subclasses(ApplicationError) | {ApplicationError}
    assert len(errors) > 40
    msgids = _translated_msgids(language)
    with translation.override("en"):
        untranslated = sorted(
            f"{error.__module__}.{error.__name__}: {error.title}"
            for error in errors
            if not isinstance(error.title, Promise) or str(error.title) not in msgids
        )
    assert untranslated == []


# Every app's models' words (model names, field names and help, choice labels) are translated.
MODEL_APPS = ("config", "platforms", "sessions_app", "discounts", "inventory", "orders")


def _model_words(app_label: str):
    """(what, text) for each model's names, each field's name and help text, and each choice
    label."""
    from django.apps import apps

    for model in apps.get_app_config(app_label).get_models():
        name = model._meta.label
        yield f"{name} verbose_name", model._meta.verbose_name
        yield f"{name} verbose_name_plural", model._meta.verbose_name_plural
        for field in model._meta.get_fields(include_hidden=False):
            if field.auto_created or not field.concrete and not field.many_to_many:
                continue
            yield f"{name}.{field.name}", field.verbose_name
            if field.help_text:
                yield f"{name}.{field.name} help", field.help_text
            for _value, label in field.flatchoices or ():
                yield f"{name}.{field.name} choice", label


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app_label", MODEL_APPS)
def test_every_model_field_and_choice_is_translated(app_label, language):
    """What the admin shows of a model — its names, its fields' names and help, its choices'
    labels — is marked for translation and translated."""
    from django.utils.functional import Promise

    msgids = _translated_msgids(language)
    with translation.override("en"):
        untranslated = [
            f"{what}: {text!r}"
            for what, text in _model_words(app_label)
            if not isinstance(text, Promise) or str(text) not in msgids
        ]
    assert untranslated == []
    with translation.override("en"):
        english = [str(text) for _what, text in _model_words(app_label)]
    with translation.override(language):
        translated = [str(text) for _what, text in _model_words(app_label)]
    assert sum(a != b for a, b in zip(english, translated, strict=True)) > len(english) / 2
