"""The cue words that tell a name's kind: titles, organisation words, connectors, reporting verbs.

These are closed classes of English news copy, small enough to read in one
sitting; everything about particular places and organisations lives in the
data tables instead. Words are lower case; multi-word titles are matched
before single words ("prime minister" before "minister").
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Honorifics and offices written before a name ("President Vladimir Putin", "Mr. Baker");
# an underscore joins the words of one title.
TITLES = frozenset(w.replace("_", " ") for w in """
mr mr. mrs mrs. ms ms. dr dr. sir dame lord lady madame mme mme. monsieur herr frau signor senor
sheikh sheik emir king queen prince princess crown_prince sultan ayatollah imam pope cardinal
archbishop bishop rabbi reverend rev rev. president vice_president prime_minister
deputy_prime_minister premier vice_premier chancellor vice_chancellor minister deputy_minister
secretary secretary_of_state secretary-general secretary_general general_secretary
under_secretary undersecretary assistant_secretary deputy_secretary permanent_secretary governor
lieutenant_governor deputy_governor gov gov. senator sen sen. representative rep rep. congressman
congresswoman speaker chairman chairwoman vice_chairman deputy_chairman chief_executive
chief_executive_officer chief_economist economist director director_general director-general
managing_director executive_director general_manager ambassador envoy special_envoy commissioner
spokesman spokeswoman spokesperson judge justice chief_justice attorney_general general gen gen.
lieutenant_general major_general brigadier_general admiral adm adm. colonel col col. major maj
maj. captain capt capt. lieutenant lt lt. sergeant sgt sgt. marshal field_marshal commander
commander-in-chief supreme_leader leader opposition_leader mayor ceo chief president-elect
foreign_secretary home_secretary press_secretary trade_representative vice-president
vice-chairman vice-premier officer chief_operating_officer chief_financial_officer
chancellor_of_the_exchequer analyst broker dealer trader strategist legislator lawyer attorney
consultant banker diplomat negotiator adviser advisor aide investor financier
security_adviser national_security_adviser
""".split())
# Of those, the ones that are no office, only a form of address: kept out of LOWER_TITLES.
HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. dr dr. sir dame lord lady madame mme mme. "
                       "monsieur herr frau signor senor sheikh sheik".split())

# Offices written in lower case just before a name ("press secretary Karoline Leavitt"),
# and after an organisation ("NYSE vice president"): a cue for both.
LOWER_TITLES = frozenset("""
secretary spokesman spokeswoman spokesperson minister chairman chairwoman president leader
governor analyst economist director executive officer head premier chancellor ambassador envoy
commissioner senator congressman representative mayor judge negotiator strategist adviser
advisor aide deputy counsel lawyer attorney professor manager partner founder candidate speaker
correspondent official chief dealer trader treasurer general
""".split())

# Portfolio words that qualify an office ("Finance Minister", "Treasury Secretary") and are
# no actor by themselves when they stand before one.
PORTFOLIOS = frozenset("""
finance foreign trade treasury agriculture farm oil energy economy economic economics defence
defense interior home justice industry labour labor commerce health education transport
transportation planning petroleum mines mining budget fisheries environment information
communications culture housing tourism state international development cooperation
co-operation external affairs security intelligence press executive exchequer corporate staff
financial operating mineral minerals resources water public works social welfare youth sports
science technology research posts telecommunications power land lands forestry natural
""".split())

# Words that end an organisation's name ("Commerce Group Corp", "Korean People's Army").
ORG_SUFFIXES = frozenset("""
inc inc. incorporated corp corp. corporation co co. cos company companies ltd ltd. limited plc
llc llp lp l.p. ag sa s.a. nv n.v. bv gmbh spa s.p.a. ab asa oy bhd berhad pty kk k.k. holdings
group bancorp bancshares bancorporation trust partners associates industries enterprises
brothers bros bros. airlines airways motors systems technologies communications laboratories
pharmaceuticals petroleum resources electric electronics chemical chemicals steel mines mining
bank banks savings securities investments financial insurance fund funds exchange board agency
authority bureau commission committee council department ministry office institute institution
association federation confederation union league society organisation organization party army
navy forces guard police court parliament assembly congress senate chamber cabinet
administration university college school academy foundation centre center hospital church club
secretariat service services network times post journal herald tribune gazette telegraph
magazine television radio broadcasting news reserve community house international bourse
futures markets
""".split())

# Words that open an organisation's name and take a complement ("Bank of Japan",
# "Ministry of Foreign Affairs", "Organisation for Economic Cooperation and Development").
ORG_HEADS = frozenset("""
bank ministry department university council commission association organisation organization
federation union board institute court office league bureau agency committee chamber church
house party fund authority corporation confederation society academy college conference
congress parliament assembly government secretariat embassy consulate school
""".split())

# First words of bodies of a state, written after its country: "North Korea's Ministry of
# Foreign Affairs", "Japan's Finance Ministry" (and "the Japanese Finance Ministry").
GOVERNMENT_WORDS = frozenset("""
ministry foreign finance defence defense interior trade economy economic agriculture energy
oil justice health education industry labour labor transport commerce central government
parliament embassy cabinet navy army air armed supreme constitutional treasury statistics
planning
""".split())

# Words before an office that are no part of a name ("former President Jimmy Carter").
TITLE_MODIFIERS = frozenset("former acting then new late outgoing incoming interim senior "
                            "junior assistant associate".split())

# Lower-case words that may join capitalised words inside one name.
CONNECTORS = frozenset("of for on and de da del della di du des van von der den le la y bin ibn "
                       "al el bint".split())
# Of those, the ones that belong in a person's name ("Perez de Cuellar", "Ludwig van Beethoven").
NAME_PARTICLES = frozenset("de da del della di du des van von der den le la y bin ibn al el "
                           "bint".split())

# Verbs that follow a speaker ("Volcker said", "Kim told").
REPORTING_VERBS = frozenset("""
said says say told tells added adds noted notes stated wrote writes announced asked replied
declared explained warned argued predicted insisted commented acknowledged confirmed conceded
urged testified recalled complained suggested stressed emphasised emphasized observed
""".split())

# Words that sit in a name's position but name no actor.
MONTHS = frozenset("january february march april may june july august september october "
                   "november december jan jan. feb feb. mar mar. apr apr. jun jun. jul jul. "
                   "aug aug. sep sep. sept sept. oct oct. nov nov. dec dec.".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
SKIP = frozenset("the a an".split()) | WEEKDAYS
DETERMINERS = frozenset("the a an this that these those its his her their our".split())

# Verbs that follow a person's surname at the head of a headline ("VOLCKER SEES ...").
HEADLINE_VERBS = frozenset("""
says sees urges warns calls denies doubts opposes backs supports rejects predicts forecasts
expects asks hails defends favors favours wants proposes meets visits criticises criticizes
attacks welcomes confirms said resigns quits tells vows pledges stresses insists signals hints
dismisses blames praises questions cautions admits disputes outlines named appointed elected
has says, sees,
""".split())

# Nouns after "the X ..." that make X a person: "the Reagan administration".
LEADER_NOUNS = frozenset("administration government cabinet presidency era".split())

# Nouns that make a capitalised phrase a thing, not a person ("Dow Jones Industrial Average").
THING_WORDS = frozenset("""
street avenue road square bridge tower airport port station index average composite system
market plan act treaty accord agreement convention programme program project island islands
river lake mountain mountains valley bay sea ocean canal gulf fields day war cup prize award
games olympics dollar dollars yen francs pounds lira peso rupee rand report survey rules round
summit conference festival crisis
""".split())

# Nouns that end a place's name ("Kuril Islands", "Volga River", "Kursk Oblast").
PLACE_SUFFIXES = frozenset("island islands river lake mountains valley bay sea ocean strait "
                           "straits province county peninsula desert coast oblast prefecture "
                           "region canal".split())

# Short words written with a full stop that does not end a sentence.
ABBREVIATIONS = frozenset("""
Mr Mrs Ms Dr St Sen Rep Gov Gen Lt Col Maj Capt Sgt Adm Prof Rev Jr Sr Corp Inc Co Ltd Bros Mt
Ft No Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec vs etc Ala Ariz Ark Calif Colo Conn Del
Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo Mont Neb Nebr Nev Okla Ore Pa Tenn Tex
Vt Va Wash Wis Wyo Mme
""".split())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words that open sentences and headlines but name nobody (data/common_words.txt)."""
    path = Path(__file__).with_name("data") / "common_words.txt"
    words = set()
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)
