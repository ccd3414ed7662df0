"""The HTML pages: the same search function and parameters as the API, rendered as pages.

Every results page has a JSON twin (the same query string on /api/v1/search).
Templates are auto-escaped; the only HTML that is marked safe is highlighted
text, and only through the `marked` filter, which sanitises it again.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, render_template, request, url_for
from markupsafe import Markup

from index.errors import BadRequest
from search import get_article, get_related, run_search
from search.sanitize import clean_highlight
from webui.context import archive, limits, raw_args, search_request

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")
ACTOR_KINDS = {"person": "People", "organization": "Organisations", "place": "Places"}


@bp.get("/")
def home():
    return render_template("search.html", response=None, error=None,
                           health=archive().health())


@bp.get("/search")
def search():
    if not (request.args.get("q") or "").strip():
        return render_template("search.html", response=None, health=archive().health(),
                               error={"message": "Type what you are looking for, "
                                                 "or * to browse every article."})
    try:
        response = run_search(archive(), search_request(), limits())
    except BadRequest as exc:
        return render_template("search.html", response=None, error=exc.to_dict(),
                               health=None), 400
    return render_template("search.html", response=response, error=None, health=None,
                           json_url=json_twin(raw_args()))


SYNTAX_EXAMPLES = (
    ("cocoa exports", "articles with both words, in any form (export, exporting)"),
    ("cocoa OR coffee", "either word; AND is the default"),
    ("cocoa NOT futures", "cocoa, but not futures; -futures says the same, +word requires one"),
    ("(cocoa OR coffee) brazil", "groups"),
    ('"interest rates"', "the phrase"),
    ("four-power summit", "a hyphenated word is the phrase of its parts (a minus only negates "
                          "at the start of a word)"),
    ('"rates cut"~5', "both words within five words of each other"),
    ("title:cocoa", "in the headline; also body:, quote:"),
    ('person:"james baker"', "a person; also organization:, place:, and actor: for any of them"),
    ("speaker:leavitt", "articles quoting someone of that name"),
    ("source:reuters", "from one outlet; also tag:, section:, language:, dateline:"),
    ("published:1987-03", "in March 1987; also published:1987, published:1987-03-02"),
    ("published:[1987-03-01 TO 1987-03-15]", "a date range; * leaves an end open"),
    ('published:>"last week"', "since a week ago; also >=, <, <=, yesterday, \"3 days ago\""),
    ("volck*", "words starting with volck (not at the start of a word)"),
    ("volcker~1", "words at most one letter away: misspellings"),
    ("=exporters", "exactly this word, unstemmed, in headlines, names and quotations"),
    ("*", "every article, to browse by filters and date"),
)


@bp.get("/help")
def help_page():
    return render_template("help.html", examples=SYNTAX_EXAMPLES)


@bp.get("/articles/<article_id>")
def article(article_id: str):
    q = (request.args.get("q") or "").strip() or None
    article = get_article(archive(), article_id, q)
    related = get_related(archive(), article_id, "5")["results"]
    return render_template("article.html", article=article, q=q, related=related)


@bp.get("/actors/<kind>/<path:name>")
def actor(kind: str, name: str):
    if kind not in ACTOR_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(ACTOR_KINDS)} (got {kind!r})",
                         param="kind")
    args = raw_args()
    args["q"] = args.get("q") or ["*"]
    args[kind] = [name]
    response = run_search(archive(), search_request(**args), limits())
    return render_template("search.html", response=response, error=None, health=None,
                           actor={"kind": kind, "name": name}, json_url=json_twin(args))


def url_with(changes: dict | None = None, drop: tuple[str, ...] = ("page",)) -> str:
    """This page's URL with some parameters replaced (a None value removes one).

    Changing what is searched sends the reader back to page 1, so `page` is
    dropped unless the change sets it.
    """
    changes = changes or {}
    args = [(k, v) for k, v in request.args.items(multi=True)
            if k not in changes and k not in drop]
    for key, value in changes.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                args.append((key, str(item)))
    return request.path + ("?" + urlencode(args) if args else "")


def toggle_filter(name: str, value: str) -> str:
    """The URL that adds this filter value, or removes it if it is already set."""
    current = request.args.getlist(name)
    return url_with({name: [v for v in current if v != value] if value in current
                     else current + [value]})


def json_twin(args: dict[str, list[str]]) -> str:
    """The API URL that answers the same search as this page."""
    return url_for("api.search") + "?" + urlencode(args, doseq=True)


def init_app(app: Flask) -> None:
    @app.template_filter("marked")
    def marked(html: str | None) -> Markup:
        """The one place HTML is trusted: highlighted text, re-sanitised to <mark> only."""
        return Markup(clean_highlight(html or ""))

    @app.template_filter("date")
    def date(value: str | None, with_time: bool = True) -> str:
        if not value:
            return "date unknown"
        day, _, clock = value.partition("T")
        year, month, dom = day.split("-")
        months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        text = f"{int(dom)} {months[int(month) - 1]} {year}"
        return f"{text}, {clock[:5]} UTC" if with_time and clock else text

    app.jinja_env.globals.update(url_with=url_with, toggle_filter=toggle_filter,
                                 actor_kinds=ACTOR_KINDS)
