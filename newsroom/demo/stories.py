"""The demo site's sections, bylines and original stories.

Everything here is written for the demo: the people quoted are invented, and
profile links point at reserved `.example` domains (RFC 2606) so that no demo
byline ever links to a real person's account. Ages are relative to the moment
`seed_demo` runs, so the site always looks current.
"""

from datetime import timedelta

# --- sections ---------------------------------------------------------------

CATEGORIES = [
    {
        "slug": "armenia",
        "name": "Armenia",
        "order": 10,
        "description": "Politics, economy and daily life in the Republic of Armenia.",
    },
    {
        "slug": "artsakh",
        "name": "Artsakh",
        "order": 20,
        "description": "Nagorno-Karabakh (Artsakh): its people, the blockade and its aftermath.",
    },
    {
        "slug": "diaspora",
        "name": "Diaspora",
        "order": 30,
        "description": "Armenian communities around the world.",
    },
    {
        "slug": "community",
        "name": "Community",
        "order": 35,
        "parent": "diaspora",
        "description": "Parishes, schools, clubs and charities close to home.",
    },
    {
        "slug": "politics",
        "name": "Politics",
        "order": 40,
        "description": "Parliament, government and the diplomacy that shapes the region.",
    },
    {
        "slug": "world",
        "name": "World",
        "order": 50,
        "description": "The wider world, as it touches Armenia and the region.",
    },
    {
        "slug": "culture",
        "name": "Culture",
        "order": 60,
        "description": "Books, film, music, heritage and the arts.",
    },
    {
        "slug": "sports",
        "name": "Sports",
        "order": 70,
        "description": "Results, profiles and previews.",
    },
    {
        "slug": "opinion",
        "name": "Opinion",
        "order": 80,
        "description": "Commentary and analysis. The views are the writers' own.",
    },
]

# --- bylines ----------------------------------------------------------------

ORGANIZATION = "organization"
PERSON = "person"

MASSISPOST = {
    "slug": "massispost",
    "name": "MassisPost",
    "kind": ORGANIZATION,
    "initials": "M",
    "bio": (
        "MassisPost is an Armenian-American news outlet covering Armenia, Artsakh and the "
        "diaspora. Its reports appear on this site as syndicated content."
    ),
    "website": "https://massispost.com/",
}


def _person(slug, name, bio, handle):
    initials = "".join(part[0] for part in name.split()[:2])
    return {
        "slug": slug,
        "name": name,
        "kind": PERSON,
        "initials": initials,
        "bio": bio,
        "website": f"https://newsroom.example/staff/{slug}/",
        "x_url": f"https://x.example/{handle}",
        "mastodon_url": f"https://mastodon.example/@{handle}",
        "bluesky_url": f"https://bsky.example/profile/{handle}",
    }


AUTHORS = [
    MASSISPOST,
    _person(
        "anahit-sargsyan",
        "Anahit Sargsyan",
        "Anahit Sargsyan is our Yerevan correspondent. She covers parliament, the government "
        "and the economy, and has reported from the South Caucasus for twelve years.",
        "anahit_reports",
    ),
    _person(
        "tigran-hakobyan",
        "Tigran Hakobyan",
        "Tigran Hakobyan writes about technology, infrastructure and sport. Before journalism "
        "he worked as a network engineer in Gyumri.",
        "tigranwrites",
    ),
    _person(
        "nare-mkrtchyan",
        "Nare Mkrtchyan",
        "Nare Mkrtchyan covers humanitarian affairs, displacement and the environment. She "
        "reported from Stepanakert until 2023.",
        "naremk",
    ),
    _person(
        "aram-davtyan",
        "Aram Davtyan",
        "Aram Davtyan is the regional and world affairs editor. He follows trade, diplomacy "
        "and security across the South Caucasus and the Black Sea.",
        "aramdesk",
    ),
    _person(
        "sona-karapetyan",
        "Sona Karapetyan",
        "Sona Karapetyan is the culture editor, based in Los Angeles. She writes about film, "
        "books and music across the Armenian world.",
        "sona_culture",
    ),
    _person(
        "garo-boyajian",
        "Garo Boyajian",
        "Garo Boyajian reports on community life in Glendale, Burbank and Pasadena: parishes, "
        "schools, clubs and the people who keep them going.",
        "garo_glendale",
    ),
    _person(
        "lilit-avetisyan",
        "Lilit Avetisyan",
        "Lilit Avetisyan is a media researcher and a guest columnist. She studies how diaspora "
        "audiences find and trust their news.",
        "lilit_media",
    ),
]

# --- the seed page ------------------------------------------------------------

# The seed article leads the home page: the newest story on the site.
SEED_ARTICLE_AGE = timedelta(minutes=40)
SEED_ARTICLE_TAGS = ["Lachin corridor", "Azerbaijan", "Artsakh", "Stepanakert"]
SEED_IMAGE_CAPTION = "Stepanakert, the capital of Artsakh (illustration)."

# The seed page's "Recent Posts", by title: their section and tags.
RECENT_POSTS = {
    "US Congressman Henry Cuellar Indicted for Accepting Bribes from Azerbaijan": (
        "politics",
        ["US Congress", "Azerbaijan", "Corruption"],
    ),
    "Armenian Church Western Diocese Announces Inauguration of the Dr. Harry Demirgian "
    "Memorial Scholarship": (
        "community",
        ["Armenian Church", "Scholarships", "Education"],
    ),
    "Armenia Improves to 43rd Place in 2024 World Press Freedom Index": (
        "armenia",
        ["Press freedom", "Media"],
    ),
    "The Paros Foundation Hosts Fundraiser Benefiting the Nor Hachen Polyclinic": (
        "community",
        ["Fundraising", "Healthcare", "Los Angeles"],
    ),
    "Armenia and U.S. Extend Cooperation Agreement on Countering Proliferation of Weapons "
    "of Mass Destruction": (
        "armenia",
        ["United States", "Security", "Diplomacy"],
    ),
    "Secretary of State Blinken is Personally Engaged in Resolving Conflict Between Armenia "
    "and Azerbaijan: Patel": (
        "politics",
        ["United States", "Azerbaijan", "Diplomacy", "Peace talks"],
    ),
}
# A post the table above does not know (the seed file was edited) files here.
RECENT_POST_DEFAULT_CATEGORY = "armenia"

# --- original stories -----------------------------------------------------------

LIVE = "live"
SCHEDULED = "scheduled"
DRAFT = "draft"

STORIES = [
    {
        "title": "Government Outlines Plan to Bring Broadband to 120 Rural Villages",
        "category": "armenia",
        "authors": ["anahit-sargsyan", "tigran-hakobyan"],
        "age": timedelta(days=3, hours=5),
        "dateline": "YEREVAN",
        "dek": "The first phase targets mountain communities in Syunik, Tavush and Shirak, "
        "where many households still rely on mobile data.",
        "paragraphs": [
            "The government on Thursday presented a plan to connect 120 rural villages to "
            "fibre broadband over the next two years, starting with mountain communities in "
            "Syunik, Tavush and Shirak provinces.",
            "Officials at the Ministry of High-Tech Industry said the first phase would be "
            "financed jointly by the state budget and private operators, who would lease the "
            "new lines on equal terms. Schools, clinics and village administrations are to be "
            "connected first.",
            "\u201cA village school should not have to choose between a video lesson and a "
            "phone call,\u201d said Armen Ghukasyan, who heads the programme\u2019s working "
            "group. Operators will have to publish coverage maps every quarter.",
            "Critics in parliament welcomed the goal but asked how the lines would be "
            "maintained after the subsidies end. The ministry said a maintenance fund would "
            "be proposed in next year\u2019s budget.",
        ],
        "tags": ["Technology", "Economy", "Syunik", "Tavush"],
        "caption": "A fibre-optic junction box on a village street (illustration).",
        "correction": (
            "An earlier version of this article said the first phase covers 210 villages. "
            "It covers 120."
        ),
    },
    {
        "title": "Երևանում բացվեց նոր գրադարան",
        "language": "hy",  # in the Armenian edition when the site has one
        "category": "culture",
        "authors": ["sona-karapetyan"],
        "age": timedelta(days=5, hours=2),
        "dateline": "ԵՐԵՎԱՆ",
        "dek": "Քաղաքի կենտրոնում բացված գրադարանը ընթերցողներին առաջարկում է ավելի քան "
        "քսան հազար գիրք և անվճար ընթերցասրահ։",
        "paragraphs": [
            "Երևանի կենտրոնում շաբաթ օրը բացվեց նոր հանրային գրադարան, որը կգործի ամեն օր՝ "
            "առավոտից մինչև ուշ երեկո։",
            "Գրադարանի հավաքածուն ներառում է ավելի քան քսան հազար գիրք հայերեն, ռուսերեն և "
            "անգլերեն, ինչպես նաև մանկական բաժին և թվային արխիվ։",
            "Կազմակերպիչների խոսքով՝ նոր տարածքում կանցկացվեն նաև դասախոսություններ, գրքերի "
            "շնորհանդեսներ և ընթերցանության ժամեր դպրոցականների համար։",
            "Գրադարանից օգտվելն անվճար է․ անդամագրվելու համար բավական է ներկայացնել անձը "
            "հաստատող փաստաթուղթ։",
        ],
        "tags": ["Yerevan", "Books", "Education"],
        "caption": "Նոր գրադարանի ընթերցասրահը (նկարազարդում)։",
    },
    {
        "title": "Yerevan Hosts Junior Chess Championship With Record Entry",
        "category": "sports",
        "authors": ["tigran-hakobyan"],
        "age": timedelta(days=7, hours=9),
        "dateline": "YEREVAN",
        "dek": "More than 400 players under 16 from eleven countries are taking part in the "
        "nine-round tournament.",
        "paragraphs": [
            "More than 400 players under the age of 16 from eleven countries sat down on "
            "Monday for the first round of the junior chess championship in Yerevan, the "
            "largest field in the event\u2019s history.",
            "Organisers said entries had doubled in three years, a rise they attribute to "
            "chess lessons in primary schools and to online tournaments that keep young "
            "players competing between seasons.",
            "The nine-round Swiss tournament runs until Sunday. The top three finishers in "
            "each age group qualify for the continental championship in the autumn.",
        ],
        "tags": ["Chess", "Youth", "Yerevan"],
        "caption": "Boards set for the first round (illustration).",
    },
    {
        "title": "Glendale Community Center Launches Evening Classes in Western Armenian",
        "category": "community",
        "authors": ["garo-boyajian"],
        "age": timedelta(days=6, hours=4),
        "dateline": "GLENDALE, CA",
        "dek": "The free classes for adults filled within a week; a second group opens next month.",
        "paragraphs": [
            "A community center in Glendale has opened free evening classes in Western "
            "Armenian for adults, and the first group of 30 places filled within a week of "
            "being announced.",
            "Most of those who signed up are second- and third-generation Armenian-Americans "
            "who understand the language from their grandparents but never learned to read "
            "or write it, said Maral Keshishian, who coordinates the programme.",
            "\u201cPeople tell us they want to read their grandmother\u2019s letters,\u201d "
            "Keshishian said. \u201cThat is a powerful reason to learn an alphabet.\u201d",
            "Classes meet twice a week. A second group opens next month, and the center is "
            "looking for volunteer tutors.",
        ],
        "tags": ["Armenian language", "Education", "Los Angeles", "Diaspora"],
        "caption": "An evening class in session (illustration).",
    },
    {
        "title": "Displaced Families From Artsakh Mark a Year in New Homes in Kotayk",
        "category": "artsakh",
        "authors": ["nare-mkrtchyan"],
        "age": timedelta(days=9, hours=7),
        "dateline": "ABOVYAN",
        "dek": "A housing programme has moved 80 families out of temporary shelters; "
        "hundreds more remain on the waiting list.",
        "paragraphs": [
            "Eighty families displaced from Nagorno-Karabakh gathered in Abovyan on Saturday "
            "to mark a year since they moved from temporary shelters into permanent "
            "apartments built under a state housing programme.",
            "The families, many of them from villages near Martakert, described a year of "
            "finding work, enrolling children in new schools and, for older residents, "
            "learning to live far from the land they farmed.",
            "\u201cThe keys were the easy part,\u201d said Karine Avanesyan, a teacher who "
            "now works at a school in the town. \u201cBuilding a life around them takes "
            "longer.\u201d",
            "Local officials said several hundred families remain on the programme\u2019s "
            "waiting list, and that a second block of apartments is due to be completed "
            "next year.",
        ],
        "tags": ["Artsakh", "Refugees", "Humanitarian aid", "Housing"],
        "caption": "New apartment blocks on the edge of Abovyan (illustration).",
    },
    {
        "title": "Parliament Debates Draft Law on Public Broadcasting",
        "category": "politics",
        "authors": ["anahit-sargsyan"],
        "age": timedelta(days=11, hours=3),
        "dateline": "YEREVAN",
        "dek": "The bill would change how the public broadcaster\u2019s board is appointed "
        "and give it a multi-year budget.",
        "paragraphs": [
            "The National Assembly began debating a draft law on Wednesday that would "
            "change how the board of the public broadcaster is appointed and fix its "
            "budget for three years at a time.",
            "Supporters say a multi-year budget would shield newsrooms from pressure during "
            "the yearly budget negotiations. Opposition deputies argued that the new "
            "appointment procedure still leaves too much power with the parliamentary "
            "majority.",
            "Media organisations submitted a joint opinion asking for public hearings "
            "before the second reading. The committee chair said hearings would be held "
            "next month.",
        ],
        "tags": ["Parliament", "Media", "Press freedom"],
        "caption": "The plenary hall of the National Assembly (illustration).",
    },
    {
        "title": "Diaspora Youth Programme Brings 300 Volunteers to Armenia This Summer",
        "category": "diaspora",
        "authors": ["garo-boyajian", "sona-karapetyan"],
        "age": timedelta(days=14, hours=6),
        "dateline": "YEREVAN",
        "dek": "Volunteers from 19 countries will teach, build and work in clinics across "
        "seven provinces.",
        "paragraphs": [
            "Some 300 young volunteers from 19 countries are arriving in Armenia this month "
            "for a summer programme that places them in schools, clinics and building "
            "projects across seven provinces.",
            "Participants, aged 18 to 30, spend between four and eight weeks in the country. "
            "Most stay with host families, which organisers say is what brings many of them "
            "back in later years.",
            "This year\u2019s group includes medical students who will assist at rural "
            "health posts, and engineers who will help renovate two village kindergartens "
            "in Lori.",
            "Applications for next summer open in the autumn, the organisers said.",
        ],
        "tags": ["Diaspora", "Volunteering", "Youth", "Education"],
        "caption": "Volunteers on their first day (illustration).",
    },
    {
        "title": "Black Sea Shipping Costs Climb as Insurers Reassess Risk",
        "category": "world",
        "authors": ["aram-davtyan"],
        "age": timedelta(days=17, hours=2),
        "dateline": "TBILISI",
        "dek": "Higher premiums are feeding through to freight rates for goods bound for "
        "the South Caucasus.",
        "paragraphs": [
            "The cost of shipping containers across the Black Sea has risen for a third "
            "consecutive month as insurers raise war-risk premiums, freight forwarders in "
            "Tbilisi said this week.",
            "The increase feeds directly into the price of goods bound for Georgia and "
            "Armenia, most of which pass through the ports of Poti and Batumi. Importers of "
            "building materials and machinery are the hardest hit.",
            "Some companies are shifting cargo to rail routes through Central Asia and the "
            "Caspian, which are slower but, for now, cheaper to insure.",
        ],
        "tags": ["Trade", "Economy", "Georgia"],
        "caption": "Containers stacked at a Black Sea port (illustration).",
    },
    {
        "title": "Why Local Newsrooms Still Matter to the Diaspora",
        "category": "opinion",
        "authors": ["lilit-avetisyan"],
        "age": timedelta(days=19, hours=4),
        "dateline": "",
        "dek": "Global platforms carry the headlines. Only a local newsroom carries the "
        "names, the parish notices and the obituaries.",
        "paragraphs": [
            "Every few years someone predicts the end of the small diaspora newspaper. The "
            "audience is ageing, the argument goes, and the young get their news from "
            "global platforms anyway.",
            "The prediction keeps failing for a simple reason: global platforms carry the "
            "headlines, but they do not carry the names. They do not report the school "
            "board vote, the parish fundraiser or the obituary of the man who ran the corner "
            "bakery for forty years.",
            "Our research with readers in four cities found that trust follows proximity. "
            "People trust the outlet that got their own community\u2019s story right.",
            "That trust is worth protecting, and it is cheap to protect: accurate names, "
            "corrections published promptly, and reporters who live where they report.",
        ],
        "tags": ["Media", "Diaspora", "Press freedom"],
        "caption": "",
    },
    {
        "title": "Aid Groups Report Medicine Shortages as Corridor Stays Closed",
        "category": "artsakh",
        "authors": ["nare-mkrtchyan"],
        "age": timedelta(days=20, hours=8),
        "dateline": "GORIS",
        "dek": "Pharmacies report running out of insulin and blood-pressure medication; "
        "the Red Cross continues limited transfers of patients.",
        "paragraphs": [
            "Humanitarian groups working in the region said on Friday that pharmacies in "
            "Stepanakert had run out of insulin and several common blood-pressure "
            "medications, as the Lachin corridor remained closed to regular traffic.",
            "The International Committee of the Red Cross continued to transfer patients "
            "needing urgent treatment to hospitals in Armenia, but aid workers said the "
            "number of transfers falls far short of the need.",
            "\u201cWe are rationing what we have and postponing everything that can be "
            "postponed,\u201d said a doctor at the republican hospital, who asked that her "
            "name not be used.",
            "Local authorities said they had asked international organisations to press "
            "for the reopening of the road to civilian and commercial traffic.",
        ],
        "tags": ["Lachin corridor", "Humanitarian aid", "Azerbaijan", "Artsakh", "Healthcare"],
        "caption": "The road near Goris (illustration).",
    },
    {
        "title": "Boston-Area Parish Food Festival Draws Record Crowd",
        "category": "community",
        "authors": ["garo-boyajian"],
        "age": timedelta(days=24, hours=5),
        "dateline": "WATERTOWN, MA",
        "dek": "Volunteers served more than 4,000 plates of kebab, pilaf and pastries over "
        "the weekend.",
        "paragraphs": [
            "A parish food festival in Watertown drew its largest crowd yet over the "
            "weekend, with volunteers serving more than 4,000 plates of kebab, pilaf and "
            "pastries.",
            "The festival, now in its 40th year, funds the parish\u2019s Saturday school "
            "and its youth summer camp. Organisers said this year\u2019s proceeds would also "
            "pay for a new roof on the church hall.",
            "Nearly 150 volunteers worked the grills and pastry tables, some of them the "
            "grandchildren of the women who started the festival.",
        ],
        "tags": ["Armenian Church", "Food", "Fundraising", "Boston"],
        "caption": "Volunteers at the grill (illustration).",
    },
    {
        "title": "Armenian Film Week Returns to Los Angeles With Twelve Premieres",
        "category": "culture",
        "authors": ["sona-karapetyan"],
        "age": timedelta(days=28, hours=3),
        "dateline": "LOS ANGELES",
        "dek": "Documentaries about displacement and memory dominate this year\u2019s programme.",
        "paragraphs": [
            "Armenian Film Week returns to Los Angeles this month with twelve premieres, "
            "most of them documentaries about displacement, memory and family.",
            "The opening-night film follows three generations of a family from Hadrut as "
            "they rebuild their lives in Yerevan. Several screenings will be followed by "
            "conversations with the directors.",
            "Programmers said submissions rose by a third this year, with a notable "
            "increase in films by directors under 30.",
            "Tickets for the opening night sold out in two days; most other screenings "
            "still have seats.",
        ],
        "tags": ["Film", "Los Angeles", "Diaspora", "Artsakh"],
        "caption": "A cinema marquee on opening night (illustration).",
    },
    {
        "title": "Opposition Factions Call for Hearing on Border Delimitation Talks",
        "category": "politics",
        "authors": ["anahit-sargsyan", "aram-davtyan"],
        "age": timedelta(days=33, hours=6),
        "dateline": "YEREVAN",
        "dek": "Deputies want the government to brief parliament before the next round of "
        "talks with Azerbaijan.",
        "paragraphs": [
            "Two opposition factions in the National Assembly on Tuesday asked for a "
            "closed hearing on the progress of border delimitation talks with Azerbaijan "
            "before the next round of negotiations.",
            "The factions said residents of border villages in Tavush had been given "
            "little information about how the talks might affect roads, pastures and "
            "irrigation channels they depend on.",
            "The government said it briefs the relevant committee regularly and would "
            "consider the request. Delimitation commissions from both countries have met "
            "several times this year.",
        ],
        "tags": ["Parliament", "Azerbaijan", "Peace talks", "Tavush"],
        "caption": "A village road in Tavush (illustration).",
    },
    {
        "title": "Rail Freight Between Georgia and Armenia Grows for Third Straight Quarter",
        "category": "world",
        "authors": ["aram-davtyan"],
        "age": timedelta(days=40, hours=2),
        "dateline": "TBILISI",
        "dek": "Cargo volumes on the line rose 14 percent, led by grain and building materials.",
        "paragraphs": [
            "Freight volumes on the railway between Georgia and Armenia rose 14 percent "
            "year on year in the last quarter, the third consecutive quarter of growth, "
            "according to figures from the operator.",
            "Grain, fertiliser and building materials accounted for most of the increase. "
            "Logistics companies said longer queues at the Upper Lars road crossing had "
            "pushed some shippers back onto rail.",
            "The operator plans to add two freight services a week from next month.",
        ],
        "tags": ["Trade", "Economy", "Georgia"],
        "caption": "A freight train near the border (illustration).",
    },
    {
        "title": "Gyumri Ceramics Festival Draws Artisans From Five Countries",
        "category": "culture",
        "authors": ["sona-karapetyan"],
        "age": timedelta(days=36, hours=5),
        "dateline": "GYUMRI",
        "dek": "Workshops, a night market and a kiln built in the town square.",
        "paragraphs": [
            "Potters from Armenia, Georgia, Iran, France and Lebanon gathered in Gyumri "
            "this weekend for a ceramics festival that turned the town square into an "
            "open-air workshop.",
            "Visitors watched a wood-fired kiln being built and fired over two days, and "
            "children\u2019s workshops ran from morning until the night market opened.",
            "Organisers said the festival aims to revive the city\u2019s tradition of "
            "craft workshops, many of which closed after the 1988 earthquake.",
        ],
        "tags": ["Crafts", "Gyumri", "Festivals"],
        "caption": "Glazed bowls drying in the sun (illustration).",
    },
    {
        "title": "Weightlifting Squad Heads Into World Championships After Mountain Camp",
        "category": "sports",
        "authors": ["tigran-hakobyan"],
        "age": timedelta(days=45, hours=4),
        "dateline": "TSAGHKADZOR",
        "dek": "Eight lifters complete a three-week altitude camp; the coaches expect medals "
        "in at least two weight classes.",
        "paragraphs": [
            "The national weightlifting squad completed a three-week training camp in "
            "Tsaghkadzor on Friday and will travel to the world championships next month.",
            "Eight lifters, five men and three women, made the final selection. Coaches "
            "said the altitude camp had gone without injuries, which they called the most "
            "important result.",
            "\u201cWe arrive healthy and hungry,\u201d head coach Vahe Simonyan said. "
            "\u201cThe rest is on the platform.\u201d",
        ],
        "tags": ["Weightlifting", "Tsaghkadzor"],
        "caption": "Training in Tsaghkadzor (illustration).",
    },
    {
        "title": "Small Businesses Need Predictable Rules, Not More Promises",
        "category": "opinion",
        "authors": ["lilit-avetisyan"],
        "age": timedelta(days=52, hours=3),
        "dateline": "",
        "dek": "A bakery can survive a bad harvest. It cannot plan around a tax code that "
        "changes every spring.",
        "paragraphs": [
            "Ask the owner of a small bakery what would help her business and the answer is "
            "rarely a subsidy. It is usually some version of: stop changing the rules.",
            "Small firms can absorb a bad season. What they cannot absorb is a tax regime, "
            "an inspection schedule or a licensing requirement that changes with little "
            "notice.",
            "Predictability costs the budget almost nothing. A rule that any change "
            "affecting small firms takes effect no sooner than a year after adoption would "
            "do more for them than most of the programmes announced in their name.",
        ],
        "tags": ["Economy", "Small business"],
        "caption": "",
    },
    {
        "title": "Monitoring of Lake Sevan Water Levels Expanded Ahead of Summer",
        "category": "armenia",
        "authors": ["nare-mkrtchyan", "tigran-hakobyan"],
        "age": timedelta(days=58, hours=6),
        "dateline": "SEVAN",
        "dek": "Twelve new automatic gauges will report water levels and temperature every hour.",
        "paragraphs": [
            "Environmental authorities have installed twelve automatic gauges around Lake "
            "Sevan that report water levels and temperature every hour, tripling the number "
            "of monitoring points on the lake.",
            "Scientists have long warned that summer releases for irrigation and warmer "
            "water encourage algal blooms. The new data will be published online and used "
            "to plan releases, officials said.",
            "Researchers at a university laboratory in Yerevan will analyse the readings "
            "together with satellite images of the lake\u2019s surface.",
        ],
        "tags": ["Environment", "Lake Sevan", "Technology"],
        "caption": "The shore of Lake Sevan (illustration).",
    },
    {
        # Scheduled: published, due in two days, invisible to readers until then.
        "title": "City Unveils Route for This Year\u2019s Yerevan Half Marathon",
        "category": "sports",
        "authors": ["tigran-hakobyan"],
        "age": -timedelta(days=2),
        "state": SCHEDULED,
        "dateline": "YEREVAN",
        "dek": "The course starts and finishes on Republic Square and passes the Cascade twice.",
        "paragraphs": [
            "The route of this year\u2019s Yerevan half marathon will start and finish on "
            "Republic Square and pass the Cascade twice, the city announced.",
            "Roads along the course will close from early morning until the last runners "
            "finish. Organisers expect around 3,000 participants across the half marathon, "
            "10 km and family races.",
            "Registration closes a week before the race.",
        ],
        "tags": ["Running", "Yerevan"],
        "caption": "Runners on Republic Square (illustration).",
    },
    {
        # A draft in progress: never shown to readers.
        "title": "Gyumri Bakery Reopens After Two-Year Restoration",
        "category": "armenia",
        "authors": ["garo-boyajian"],
        "age": None,
        "state": DRAFT,
        "dateline": "GYUMRI",
        "dek": "Draft: needs quotes from the owners and a photo of the oven.",
        "paragraphs": [
            "A bakery in Gyumri\u2019s historic Kumayri district reopened this week after a "
            "two-year restoration of its 19th-century stone building.",
            "TK: quotes from the owners, opening hours, what the restoration cost.",
        ],
        "tags": ["Gyumri", "Small business"],
        "caption": "",
    },
]
