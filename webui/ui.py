"""The HTML pages: the same search function and parameters as the API, rendered as pages.

Every results page links to its twins: the same query string on /api/v1/search
as JSON, Atom and CSV. Templates are auto-escaped; the only HTML that is marked
safe is highlighted text, and only through the `marked` filter, which sanitises
it again. Everything works without JavaScript: filters, dates and pages are
plain links and GET forms; static/morgue.js only adds to them.
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from markupsafe import Markup

from index.errors import BadRequest
from search import get_article, get_related, run_search
from search.backends import is_cluster
from search.request import MAX_RESULT_DEPTH
from search.sanitize import clean_highlight
from webui import links
from webui.context import archive, limits, raw_args, search_request

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")
ACTOR_KINDS = {"person": "People", "organization": "Organisations", "place": "Places"}
ACTOR_KIND = {"person": "Person", "organization": "Organisation", "place": "Place"}
# What the sidebar and the timeline draw; a URL that names its own `facets` keeps them.
PAGE_FACETS = "source,person,organization,place,tag,published"
ACTOR_FACETS = "person,organization,place,source,published"


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
    args = raw_args()
    try:
        response = run_search(archive(), search_request(**{"facets": [PAGE_FACETS], **args}),
                              limits())
    except BadRequest as exc:
        return render_template("search.html", response=None, error=exc.to_dict(),
                               health=None), 400
    return render_template("search.html", response=response, error=None, health=None,
                           twins=links.twins(args))


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
    article = get_article(archive(), article_id, q, limits())
    related = [] if is_cluster(archive()) else get_related(archive(), article_id, "5")["results"]
    return render_template("article.html", article=article, q=q, related=related)


@bp.get("/actors/<kind>/<path:name>")
def actor(kind: str, name: str):
    """Every article about one actor, newest first, with its timeline and its company."""
    if kind not in ACTOR_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(ACTOR_KINDS)} (got {kind!r})",
                         param="kind")
    args = raw_args()
    args.update(q=args.get("q") or ["*"], sort=args.get("sort") or ["newest"])
    args[kind] = args.get(kind, []) + [name]
    args.setdefault("facets", [ACTOR_FACETS])
    args.setdefault("facet_size", ["11"])  # ten others once the actor itself is left out
    response = run_search(archive(), search_request(**args), limits())
    return render_template("actor.html", response=response, twins=links.twins(args),
                           actor={"kind": kind, "name": name},
                           company=co_occurring(response["facets"], kind, name))


def co_occurring(facets: dict, kind: str, name: str, size: int = 10) -> dict[str, list[dict]]:
    """The people, organisations and places most often in the same stories, the actor left out."""
    return {other: [item for item in facets.get(other, [])
                    if not (other == kind and item["value"].casefold() == name.casefold())][:size]
            for other in ACTOR_KINDS}


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

    @app.template_filter("number")
    def number(value: int) -> str:
        return f"{value:,}"

    app.jinja_env.globals.update(
        {name: getattr(links, name) for name in (
            "url_with", "this_path", "toggle_filter", "visible_filters", "without_filters",
            "date_presets", "twins", "timeline_for", "copies_url", "web_url")},
        actor_kinds=ACTOR_KINDS, actor_kind=ACTOR_KIND, filter_names=links.FILTER_NAMES,
        max_result_depth=MAX_RESULT_DEPTH)
