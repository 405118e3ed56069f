"""Plain-language texts for the browser view: who is who under each rule set.

Restated for a classroom from the paradigm table in docs/theory.md §1 (T1–T5);
the mechanisms behind each sentence are in docs/ODD.md.
"""

from __future__ import annotations

PARADIGM_TEXT: dict[str, dict[str, str]] = {
    "opa": {
        "title": "Old Public Administration: government as an authority",
        "politicians": "hold all power and all responsibility: they make the laws and sign off each case "
                       "that comes up the chain.",
        "administrators": "are neutral civil servants who follow the rules and draft standard solutions.",
        "employees": "apply the rules; they have little room for their own judgement.",
        "citizens": "are subjects with rights: at most they are heard on a proposal that is almost finished.",
        "steering": "Hierarchy and rules. A problem travels up the chain politicians - civil servants - "
                    "employees - citizens and the decision comes back down, losing detail at every link (T1).",
        "watch": "Slow but steady service; little participation, so trust moves slowly; few new ideas.",
    },
    "npm": {
        "title": "New Public Management: government as a service provider",
        "politicians": "set goals and targets once a period and then step back; managers decide within them.",
        "administrators": "are strategic managers and efficient producers of services.",
        "employees": "produce to measured targets; what is not counted tends to be left undone.",
        "citizens": "are customers with free choice: a dissatisfied customer votes with their feet and "
                    "moves to another provider.",
        "steering": "Targets, performance measurement, competition and contracts (T2, T3). The counting "
                    "regime costs time and can crowd out employees' own motivation (T3, T4).",
        "watch": "Customers moving between providers; early efficiency gains; employees' motivation and "
                 "citizens' trust slowly eroding; expectations rising.",
    },
    "npg": {
        "title": "New Public Governance: government as an arena for co-creation",
        "politicians": "lead policy made together with citizens: they sit in arenas with them and spend "
                       "more time on policy, less on cases.",
        "administrators": "are boundary spanners who convene, facilitate and metagovern the arenas.",
        "employees": "are trusted to use professional judgement and work side by side with citizens.",
        "citizens": "are co-creators: they help define problems, design and carry out solutions for "
                    "themselves and for others.",
        "steering": "Networks, trust and dialogue, steered from a distance by metagovernance (T5, T13, T17). "
                    "Arenas can stall in conflict, recruit only the resourceful, or end without anyone "
                    "responsible for carrying the solution out (T15).",
        "watch": "Arenas (hexagons) forming around problems; participation spreading over the network; "
                 "deadlocks when nobody manages the process; who gets recruited when there is no outreach.",
    },
}

SETTING_TEXT: dict[str, str] = {
    "none": "No metagovernance: arenas recruit whoever volunteers, have no agreed frame and no facilitator.",
    "hands_off": "Hands-off metagovernance: reach out when recruiting (design) and agree goals and a frame "
                 "(framing) from a distance.",
    "hands_on": "Hands-on metagovernance: manage the process inside the arena and take part in it, at the "
                "risk of steering too hard.",
}

ROLES = ("politicians", "administrators", "employees", "citizens")

MODES = {
    "single": "One town",
    "compare": "Side by side: OPA | NPM | NPG",
}

LIVE_NOTE = ("Paradigm, metagovernance and tool strengths change live, as a reform from the next step "
             "(marked on every chart). Other parameters apply when you press Reset.")
