"""Source names: one display name per outlet, however a feed, page or file spells it.

`www.reuters.com`, `reuters.com`, `Reuters` and "Reuters: World News" are all
Reuters. Known outlets are recognised by their web domain or their name; for
anything else an explicit name is kept as given (tidied), and without one the
URL's domain (without `www.`) stands in.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# Registered domain -> display name, for outlets whose names vary across feeds and pages.
KNOWN_OUTLETS: dict[str, str] = {
    "reuters.com": "Reuters", "apnews.com": "AP", "ap.org": "AP", "bbc.co.uk": "BBC",
    "bbc.com": "BBC", "nytimes.com": "The New York Times", "washingtonpost.com":
    "The Washington Post", "theguardian.com": "The Guardian", "guardian.co.uk": "The Guardian",
    "wsj.com": "The Wall Street Journal", "ft.com": "Financial Times", "cnn.com": "CNN",
    "cnbc.com": "CNBC", "foxnews.com": "Fox News", "latimes.com": "Los Angeles Times",
    "dailymail.co.uk": "Daily Mail", "telegraph.co.uk": "The Telegraph",
    "independent.co.uk": "The Independent", "bloomberg.com": "Bloomberg",
    "aljazeera.com": "Al Jazeera", "npr.org": "NPR", "cbc.ca": "CBC News",
    "theglobeandmail.com": "The Globe and Mail", "nationalpost.com": "National Post",
    "voanews.com": "Voice of America", "businessinsider.com": "Business Insider",
    "newyorker.com": "The New Yorker", "wired.com": "Wired", "techcrunch.com": "TechCrunch",
    "arstechnica.com": "Ars Technica", "theregister.com": "The Register",
    "theregister.co.uk": "The Register", "themoscowtimes.com": "The Moscow Times",
    "heise.de": "heise online", "golem.de": "Golem.de", "orf.at": "ORF",
    "nasa.gov": "NASA", "nbcnewyork.com": "NBC New York", "pcmag.com": "PCMag",
    "uol.com.br": "UOL", "jn.pt": "Jornal de Notícias", "ilmessaggero.it": "Il Messaggero",
    "rollingstone.com": "Rolling Stone", "theintercept.com": "The Intercept",
    "thenation.com": "The Nation", "washingtontimes.com": "The Washington Times",
    "globalnews.ca": "Global News", "financialpost.com": "Financial Post",
    "ottawacitizen.com": "Ottawa Citizen", "theprovince.com": "The Province",
    "canada.com": "Canada.com", "restofworld.org": "Rest of World",
    "freebeacon.com": "The Washington Free Beacon", "occupydemocrats.com": "Occupy Democrats",
    "thegatewaypundit.com": "The Gateway Pundit", "worldtruth.tv": "WorldTruth.TV",
}
_TWO_PART_SUFFIXES = {"co.uk", "com.au", "com.br", "co.jp", "co.nz", "org.uk", "com.mx",
                      "co.in", "co.za", "com.ar", "com.cn", "com.tr", "ac.uk", "gov.uk"}
_BY_KEY = {re.sub(r"[^a-z0-9]", "", name.casefold().removeprefix("the ")): name
           for name in set(KNOWN_OUTLETS.values())}
_DOMAIN_LIKE = re.compile(r"^(?:https?://)?(?:www\d?\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?$", re.I)
_SEPARATORS = re.compile(r"\s+(?:[-|>:\u2013\u2014»]|::)\s+|:\s+")


def registered_domain(host_or_url: str) -> str:
    """`https://www.bbc.co.uk/news` -> `bbc.co.uk`; '' when there is no host."""
    text = host_or_url.strip().lower()
    host = urlsplit(text).hostname if "//" in text else text.split("/")[0]
    if not host or "." not in host:
        return ""
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _TWO_PART_SUFFIXES else 2
    return ".".join(labels[-keep:])


def _known_name(name: str) -> str | None:
    """A known outlet named at the start of `name` ("Reuters: World News" -> Reuters)."""
    for part in [name, *_SEPARATORS.split(name)[:1]]:
        key = re.sub(r"[^a-z0-9]", "", part.casefold().removeprefix("the "))
        if key in _BY_KEY:
            return _BY_KEY[key]
    return None


def normalise_source(name: str, url: str = "") -> str:
    """The display name of the outlet, from an explicit name and/or the article's URL."""
    name = " ".join(name.split())
    domain_match = _DOMAIN_LIKE.match(name)
    if domain_match:  # a host given as the name: "www.reuters.com"
        domain = registered_domain(domain_match.group(1))
        return KNOWN_OUTLETS.get(domain) or domain
    if name:
        return _known_name(name) or KNOWN_OUTLETS.get(registered_domain(url)) or name
    domain = registered_domain(url)
    return KNOWN_OUTLETS.get(domain) or domain
