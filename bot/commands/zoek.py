"""Zoek de diensten die bij een vraag passen, zoals de bot ze zou tonen (of als JSON)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kennisbank.fields import phone_national
from kennisbank.safety import kind_label
from kennisbank.search import Answer, SearchEngine, settle
from kennisbank.themes import theme_label

from ..render import EMERGENCY_NOTHING_FITS, RULED_OUT_NOTES, named_needs
from .common import add_kb_option, load_kb_or_exit, show_search_progress

NAME = "zoek"
HELP = "zoek diensten voor een vraag"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vraag", nargs="?", help="de vraag, tussen aanhalingstekens")
    add_kb_option(parser)
    parser.add_argument("--postcode", type=int, help="postcode van de school")
    parser.add_argument("--limit", type=int, default=3, help="hoeveel diensten (standaard 3)")
    parser.add_argument("--json", action="store_true", help="uitvoer als JSON")
    parser.add_argument("--uitleg", "--explain", dest="explain", action="store_true",
                        help="toon waarom: herkende noden met kans, dichtstbijzijnde trainingssituatie, "
                             "het aandeel van elk kenmerk in de score")
    parser.add_argument("--batch", action="store_true",
                        help='lees JSON-regels {"q": ..., "postcode": ...} van standaardinvoer')


def answer_json(question: str, answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "q": question,
        "themes": list(answer.themes),
        "ambiguous": answer.ambiguous,
        "safety": ({"kind": answer.safety.kind, "probability": round(answer.safety.probability, 3),
                    "leads": answer.safety.leads, "also": answer.safety.also,
                    "unsure": answer.safety.unsure} if answer.safety else None),
        # "Bij acuut gevaar: bel 112." for an alert and for a question that names 112 or an ambulance
        # itself (names_emergency: no alert, no urgent door); else null.
        "acute_line": answer.acute_line,
        "results": [
            {"id": m.id, "score": round(m.score, 4), "organisation": m.service.organisation,
             "name": m.service.name, "themes": list(m.themes), "words": list(m.words), "urgent": m.urgent,
             "ruled_out": m.ruled_out}
            for m in answer.matches
        ],
    }
    if answer.probabilities:
        out["needs"] = {t: round(p, 3) for t, p in answer.probabilities}
    if answer.nearest:
        out["nearest"] = {"situation": answer.nearest[0], "similarity": round(answer.nearest[1], 3)}
    for result, m in zip(out["results"], answer.matches, strict=True):
        if m.explanation:
            result["features"] = {name: round(v, 3) for name, v in m.explanation}
    return out


def explanation_text(answer: Answer) -> list[str]:
    lines = ["Noden (kans): " + ", ".join(f"{theme_label(t) if t != 'geen-nood' else 'geen welzijnsnood'} "
                                         f"{p:.2f}" for t, p in answer.probabilities[:6])]
    if answer.nearest:
        lines.append(f"Dichtstbijzijnde trainingssituatie ({answer.nearest[1]:.2f}): \"{answer.nearest[0]}\"")
    return lines


def answer_text(answer: Answer, explain: bool = False, unserved: tuple[str, ...] = ()) -> str:
    head: list[str] = []
    tail: list[str] = []
    if answer.safety is not None and answer.safety.leads:
        kind = kind_label(answer.safety.kind, answer.safety.also, answer.safety.unsure)
        head.append(f"🚨 Dit klinkt ernstig ({kind}). {answer.acute_line}")
    elif answer.names_emergency:   # the question names 112 or an ambulance: the number first, no alert
        head.append(f"🚨 {answer.acute_line}")
    elif answer.safety is not None:
        tail.append(f"🚨 Vrees je voor de veiligheid van een kind of een ouder? {answer.acute_line}")
    if explain:
        head.extend(explanation_text(answer))
    return "\n".join([*head, _answer_body(answer, unserved), *tail])


def _answer_body(answer: Answer, unserved: tuple[str, ...] = ()) -> str:
    if not answer.found and answer.safety is not None:
        return "Geen dringende dienst voor dit gevaar in deze regio: bel 112 of het algemene onthaal."
    if not answer.found and answer.ambiguous:
        return ("Ik ben niet zeker wat je bedoelt. Gaat het over: "
                + ", ".join(theme_label(t) for t in answer.themes) + "?")
    if not answer.found and unserved:   # understood, but this area has no door for it
        return f"Voor {named_needs(unserved)} is er geen dienst in deze regio."
    if not answer.found and answer.names_emergency:   # the 112 line came first (answer_text)
        return EMERGENCY_NOTHING_FITS
    if not answer.found:
        return "Niets gevonden dat goed past. Probeer het in andere woorden, of kies een thema."
    lines = []
    if answer.themes:
        lines.append("Herkend: " + ", ".join(theme_label(t) for t in answer.themes))
    for n, m in enumerate(answer.matches, 1):
        s = m.service
        lines.append(f"\n{n}. {s.organisation} · {s.name}  ({m.score:.2f})")
        lines.append(f"   {s.summary}")
        if s.contact.name:
            role = f" ({s.contact.role})" if s.contact.role else ""
            phone = s.contact.phone or s.phone
            lines.append(f"   Contact: {s.contact.name}{role} {phone_national(phone) if phone else ''}".rstrip())
        if s.is_closed:
            lines.append("   Let op: tijdelijk gesloten.")
        if m.ruled_out in RULED_OUT_NOTES:
            lines.append(f"   Let op: {RULED_OUT_NOTES[m.ruled_out]}.")
        if m.urgent:
            lines.append("   Dringende hulp bij dit gevaar.")
        why = [theme_label(t) for t in m.themes] + list(m.words)
        if why:
            lines.append("   Waarom: " + ", ".join(why))
        if m.explanation:
            lines.append("   Score: " + ", ".join(f"{name} {v:+.2f}" for name, v in m.explanation))
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    show_search_progress()   # on stderr: the answers (and --batch's JSON lines) stay alone on stdout
    kb = load_kb_or_exit(args.kb)
    engine = SearchEngine(kb)
    if args.batch:
        settle()  # a long batch: freeze the loaded heap once, before the first question
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question, postcode = str(item.get("q") or ""), item.get("postcode")
                postcode = int(postcode) if postcode not in (None, "") else None
            except (ValueError, TypeError, AttributeError) as exc:
                print(f"regel {number}: geen geldige JSON-vraag ({exc})", file=sys.stderr)
                print(json.dumps({"q": None, "results": [], "error": "invalid input"}), flush=True)
                continue
            answer = engine.search(question, postcode, args.limit, explain=args.explain)
            sys.stdout.write(json.dumps(answer_json(question, answer), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return 0
    if not args.vraag:
        print("Geef een vraag, bv. welzijnsbot zoek \"een mama wordt uit haar huis gezet\"", file=sys.stderr)
        return 2
    answer = engine.search(args.vraag, args.postcode, args.limit, explain=args.explain)
    if args.json:
        print(json.dumps(answer_json(args.vraag, answer), ensure_ascii=False, indent=2))
    else:
        if args.explain:
            print(engine.describe())
        print(answer_text(answer, args.explain, kb.unserved(answer.themes, args.postcode)))
    return 0
