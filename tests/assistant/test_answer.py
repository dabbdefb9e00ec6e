"""Answer composition: citations, the funding block, abstention, follow-ups and languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import compose_answer, detect_language
from corpus import Contract
from index import Searcher


def test_cites_the_right_objective_with_its_path(default_searcher: Searcher) -> None:
    """The best objective is named with its code in bold, title and axis › priority › objective path."""
    answer = compose_answer("les jeunes qui sechent les cours", [], default_searcher)
    assert answer.best is not None and answer.best.code == "5.1.3"
    assert "**5.1.3**" in answer.text
    path = "Axe 5 (apprentissages) › Priorité 5.1 (Prévenir et réduire le décrochage scolaire)"
    assert f"{path} › Objectif opérationnel 5.1.3" in answer.text
    assert len(answer.others) <= 2  # close runners-up only (a clear answer has none)
    assert answer.lang == "fr" and "Objectif le plus adapté" in answer.text


def test_funding_block_is_ready_to_paste(default_searcher: Searcher) -> None:
    """The block names the contract as people write it (no internal id, no heading of the source table),
    then the full axis, priority and objective titles, and measures."""
    answer = compose_answer("chantier d'insertion", [], default_searcher)
    block = answer.funding_block or ""
    assert block.startswith("Contrat de ville de la Communauté d'Agglomération de La Porte du Hainaut 2015-2023\n")
    assert "caph-2015-2023" not in block and "axes, priorités, objectifs" not in block
    assert "Axe 2 : insertion - emploi" in block
    assert "Priorité 2.1 : Accompagner les publics les plus éloignés de l'emploi dans une logique de parcours" in block
    assert "Objectif opérationnel 2.1.1 : Développer et qualifier les ateliers et chantiers d'insertion" in block
    assert "\n- " in block


def test_out_of_scope_abstains_and_names_who_handles_it(default_searcher: Searcher) -> None:
    """Nothing is forced: no best objective, a plain refusal, the kind of service that usually handles
    such a request, and no list of unrelated axes."""
    answer = compose_answer("boucher le nid de poule devant chez moi", [], default_searcher)
    assert answer.abstain and answer.best is None and answer.funding_block is None
    assert "Aucun objectif du contrat de ville ne semble couvrir" in answer.text
    assert answer.handled_by.startswith("voirie")
    assert "voirie et transports" in answer.text and "Axe " not in answer.text


def test_follow_up_uses_the_conversation(default_searcher: Searcher) -> None:
    """A short follow-up is read with the previous question."""
    first = "prévention de l'alcool chez les jeunes"
    answer = compose_answer("et pour les adolescents ?", [first], default_searcher)
    assert first in answer.query
    assert answer.best is not None and answer.best.code == "3.2.4"


def test_follow_up_towards_an_axis(default_searcher: Searcher) -> None:
    """'plutôt côté santé' keeps the subject and moves the answer to the health axis."""
    answer = compose_answer("plutôt côté santé", ["les enfants qui dorment mal et arrivent fatigués"], default_searcher)
    assert answer.best is not None and answer.best.axis_number == 3


def test_english_question_gets_an_english_answer(default_searcher: Searcher) -> None:
    """An English question is answered in English, still citing 5.1.3."""
    answer = compose_answer("which objective covers school absenteeism?", [], default_searcher)
    assert answer.lang == "en"
    assert answer.best is not None and answer.best.code == "5.1.3"
    assert "Best matching objective" in answer.text


def test_uncertain_placement_is_shown(default_searcher: Searcher) -> None:
    """A measure whose placement the source leaves open is shown with its other candidate code."""
    answer = compose_answer("cellules de veille locales sur le logement", [], default_searcher)
    assert "pourrait aussi relever de" in answer.text


def test_unknown_code_and_empty_questions(default_searcher: Searcher) -> None:
    """An unknown code is named; empty, blank or emoji-only questions get guidance, not an error."""
    unknown = compose_answer("objectif 9.9.9", [], default_searcher)
    assert unknown.best is None and "9.9.9 n'existe pas" in unknown.text
    for empty in ["", "   ", "🙂🙂"]:
        answer = compose_answer(empty, [], default_searcher)
        assert answer.best is None and "Posez une question" in answer.text


def test_huge_question_is_cut_with_a_notice(default_searcher: Searcher) -> None:
    """A 100,000-character question is answered from its beginning with a notice."""
    answer = compose_answer("aide aux devoirs " * 6000, [], default_searcher)
    assert "seuls les 2000 premiers caractères" in answer.text
    assert answer.best is not None and answer.best.code == "5.2.2"


def test_detect_language() -> None:
    """Function words decide the language; French wins ties."""
    assert detect_language("which objective covers school absenteeism?") == "en"
    assert detect_language("quel objectif pour l'absentéisme ?") == "fr"
    assert detect_language("CLAS") == "fr"


def test_repaired_spelling_is_shown(default_searcher: Searcher) -> None:
    """The user sees how a misspelt word was read, so a wrong repair can be noticed."""
    answer = compose_answer("chantier d'insersion espace vert", [], default_searcher)
    assert "Lu comme : « insersion » → « insertion »." in answer.text
    assert answer.best is not None and answer.best.code == "2.1.1"


@pytest.mark.parametrize(
    ("earlier", "question", "code"),
    [
        ("un élève de 6e rate l'école un jour sur deux, ses parents ne répondent pas", "marchands de sommeil", "4.3.2"),
        ("aide aux victimes de violences conjugales", "jeunes en errance", "7.1.2"),
        ("aide aux devoirs pour les collégiens du quartier", "marchands de sommeil", "4.3.2"),
    ],
)
def test_a_short_new_topic_is_not_glued_to_the_last_one(
    default_searcher: Searcher, earlier: str, question: str, code: str
) -> None:
    """A short question that is answered surely on its own is a new topic, not a follow-up (the issue's
    examples: "marchands de sommeil" after school absence, "jeunes en errance" after domestic violence)."""
    answer = compose_answer(question, [earlier], default_searcher)
    assert answer.query == question
    assert answer.best is not None and answer.best.code == code


@pytest.mark.parametrize(
    ("earlier", "question", "code", "glued"),
    [
        # a short question that only says who or where narrows the topic, though it does not say "et"
        ("prévenir les conduites addictives", "au collège", "3.2.4", True),
        ("accompagner les jeunes vers un premier emploi", "les filles surtout", "2.1.2", True),
        ("aider les familles à payer leurs factures d'énergie", "les retraités", "4.4.2", True),
        # a short question naming a subject opens a new topic, even when it is unsure on its own
        ("des commerçants ferment les uns après les autres dans la galerie marchande", "dépistage du diabète", "3.2.2",
         False),
    ],
)
def test_who_and_where_narrow_the_topic_anything_else_opens_one(
    default_searcher: Searcher, earlier: str, question: str, code: str, glued: bool
) -> None:
    """Dev dialogues d066, d070, d071, d074."""
    answer = compose_answer(question, [earlier], default_searcher)
    assert (earlier in answer.query) is glued
    assert answer.best is not None and answer.best.code == code


def test_a_second_follow_up_keeps_the_topic(default_searcher: Searcher) -> None:
    """After "et pour les adolescents ?", "plutôt côté santé" is still about the first question's topic."""
    history = ["soutien scolaire pour les enfants de primaire qui ont du mal à lire", "et pour les adolescents ?"]
    answer = compose_answer("plutôt côté santé", history, default_searcher)
    assert answer.query.startswith("soutien scolaire pour les enfants de primaire")
    assert "et pour les adolescents ?" in answer.query
    assert answer.best is not None and answer.best.axis_number == 3


def test_the_terminal_gets_plain_text(default_searcher: Searcher) -> None:
    """`cdv ask` prints the answer without Markdown marks (no **5.1.3**)."""
    from assistant.answer import plain_text

    answer = compose_answer("les jeunes qui sechent les cours", [], default_searcher)
    text = plain_text(answer.text)
    assert "**" not in text and "_(" not in text
    assert "5.1.3 — Accompagner les élèves en situation d'absentéisme scolaire" in text


def test_other_objectives_only_when_plausible(default_searcher: Searcher) -> None:
    """A sure answer lists no other objective; an unsure one does, each card highlighting one measure."""
    from assistant.render import sources_html

    sure = compose_answer("marchands de sommeil", [], default_searcher)
    assert sure.confidence == "high" and sure.others == ()
    unsure = compose_answer("aide aux devoirs pour les collégiens du quartier", [], default_searcher)
    assert unsure.confidence != "high" and unsure.others
    cards = sources_html(unsure, default_searcher.contracts).split('<div class="cdv-card"')[1:]
    assert all(card.count("<mark>") == 1 for card in cards[1:])


def test_a_philosophy_workshop_sees_both_possible_codes(default_searcher: Searcher) -> None:
    """The four measures the source places under 5.2.2 or 5.3.1 say so: the answer names both codes."""
    answer = compose_answer("atelier philo pour développer l'esprit critique des enfants", [], default_searcher)
    assert answer.best is not None and answer.best.code == "5.2.2"
    assert "5.3.1" in answer.text and "placement incertain" in answer.text


def test_with_two_contracts_an_answer_cites_one(caph: Contract, tmp_path: Path) -> None:
    """Two contracts with the same codes: an answer cites within one of them, never a mix."""
    from tests.fakes import FakeEmbedder

    other = caph.model_copy(update={"id": "autre-2015-2023"})
    searcher = Searcher([caph, other], FakeEmbedder(), cache_dir=tmp_path)
    answer = compose_answer("chantier d'insertion pour les femmes", [], searcher)
    assert answer.best is not None
    assert {c.contract_id for c in (answer.best, *answer.others)} == {answer.best.contract_id}
    chosen = compose_answer("chantier d'insertion pour les femmes", [], searcher, contract_id="autre-2015-2023")
    assert chosen.best is not None and chosen.best.contract_id == "autre-2015-2023"


def test_a_keyboard_mash_cites_nothing_and_asks_for_words(default_searcher: Searcher) -> None:
    """With no word in it a question still lands near some passage: it gets guidance, not an objective;
    slang of the everyday list and a code still count."""
    for mash in ["asdfgh jkl", "zzzz zzzz", "b" * 2000]:
        answer = compose_answer(mash, [], default_searcher)
        assert answer.best is None and answer.abstain and answer.unrecognised
        assert "Je n'ai reconnu aucun mot" in answer.text and "Aucun objectif" not in answer.text
    assert compose_answer("keufs", [], default_searcher).unrecognised is False
    coded = compose_answer("5.1.3", [], default_searcher)
    assert coded.best is not None and coded.best.code == "5.1.3"


def test_greetings_and_thanks_get_guidance_not_an_objective(default_searcher: Searcher) -> None:
    """"bonjour", "merci", "quel objectif ?" ask nothing: guidance in the user's language, no objective;
    a code or a subject beside such words is still answered."""
    for chat in ["bonjour", "merci !", "salut ça va", "quel objectif ?"]:
        answer = compose_answer(chat, [], default_searcher)
        assert answer.best is None and "Posez une question" in answer.text
    for chat in ["hello", "thank you", "which objective?"]:
        answer = compose_answer(chat, ["les jeunes qui sèchent les cours"], default_searcher)
        assert answer.best is None and "Please type a question" in answer.text
    coded = compose_answer("code 5.1.3", [], default_searcher)
    assert coded.best is not None and coded.best.code == "5.1.3"
    greeted = compose_answer("Bonjour, quel objectif pour l'aide aux devoirs ?", [], default_searcher)
    assert greeted.best is not None and greeted.best.code == "5.2.2"


def test_an_axis_or_a_priority_asked_by_number_lists_its_objectives(default_searcher: Searcher) -> None:
    """"axe 5", "priorité 5.1", "5.1" list that part's objectives; a part the contract lacks is named;
    an objective code or a question with a subject is searched as before."""
    axis = compose_answer("axe 5", [], default_searcher)
    assert axis.best is None and "**Axe 5** — apprentissages" in axis.text
    assert all(f"**{code}**" in axis.text for code in ("5.1.1", "5.2.2", "5.3.2"))
    for asked in ["priorité 5.1", "5.1", "quels objectifs dans la priorité 5.1 ?"]:
        answer = compose_answer(asked, [], default_searcher)
        assert "**Priorité 5.1** — Prévenir et réduire le décrochage scolaire" in answer.text, asked
        assert "**5.1.3**" in answer.text and "**5.2.1**" not in answer.text
    assert "Priorité 5.9 n'existe pas" in compose_answer("priorité 5.9", [], default_searcher).text
    coded = compose_answer("5.1.3", [], default_searcher)
    assert coded.best is not None and coded.best.code == "5.1.3"
    subject = compose_answer("axe 5 santé des collégiens", [], default_searcher)
    assert subject.best is not None


def test_thanks_and_look_ups_do_not_become_the_topic(default_searcher: Searcher) -> None:
    """A follow-up after "merci" or "axe 6" follows the last real question."""
    history = ["les jeunes qui sèchent les cours", "merci", "axe 6"]
    answer = compose_answer("et pour les collégiens ?", history, default_searcher)
    assert "merci" not in answer.query and "axe 6" not in answer.query
    assert answer.query.startswith("les jeunes qui sèchent les cours")


def test_a_follow_up_steers_by_whole_words_of_the_axis_titles() -> None:
    """The theme of a follow-up is looked up in the contract's own axis and priority titles, on whole
    stems: "besoin" is no "soin", "travailleurs" no "travail" unless a title says it; "école" reaches the
    school axis through the thesaurus's terms; a contract with other axes steers by its own titles."""
    from assistant.conversation import steered_axis
    from corpus import Contract, load_contracts
    from index import Searcher

    searcher = Searcher(load_contracts())
    assert steered_axis("plutôt côté santé", searcher, None) == 3
    assert steered_axis("more on the housing side", searcher, None) == 4
    assert steered_axis("plutot cote ecole", searcher, None) == 5
    assert steered_axis("un besoin urgent", searcher, None) is None
    other = Contract.model_validate(
        {
            "id": "autre",
            "title": "Contrat",
            "territory": "T",
            "period": {"start": 2024, "end": 2030},
            "source": "s",
            "levels": {"priority": None, "objective": "objectif"},
            "axes": [
                {"number": 1, "title": "Emploi", "objectives": [{"code": "1.1", "title": "Favoriser l'insertion"}]},
                {"number": 2, "title": "Santé et bien-être", "objectives": [{"code": "2.1", "title": "Soins"}]},
            ],
        }
    )
    assert steered_axis("plutôt côté santé", Searcher([other]), None) == 2


@pytest.mark.slow
def test_an_answer_says_which_earlier_question_it_used(default_searcher: Searcher) -> None:
    """A follow-up read with the conversation names the earlier question; a code looked up before is no
    topic: "ASL pour les femmes" after "5.1.3" is answered on its own, without any notice."""
    followed = compose_answer("et pour les ados ?", ["un café des parents au centre social"], default_searcher)
    assert "Compris avec votre question précédente : « un café des parents au centre social »" in followed.text
    assert followed.with_earlier == "un café des parents au centre social"
    alone = compose_answer("ASL pour les femmes", [], default_searcher)
    after_code = compose_answer("ASL pour les femmes", ["5.1.3"], default_searcher)
    assert after_code.query == "ASL pour les femmes" and "Compris avec" not in after_code.text
    assert after_code.with_earlier == ""
    assert after_code.cited_codes == alone.cited_codes


@pytest.mark.slow
def test_a_follow_up_that_changes_nothing_says_so(default_searcher: Searcher) -> None:
    """A follow-up landing on the objective the earlier question had says that it changes nothing; one that
    moves the answer does not."""
    earlier = ["prévention de l'alcool chez les jeunes"]
    same = compose_answer("et pour les adolescents ?", earlier, default_searcher)
    assert same.best is not None and same.best.code == "3.2.4"
    assert "Votre précision ne change pas l'objectif : c'est toujours le 3.2.4" in same.text
    moved = compose_answer("et pour les ados ?", ["un café des parents au centre social"], default_searcher)
    assert moved.best is not None and "ne change pas l'objectif" not in moved.text


def test_an_unsure_answer_funding_text_says_to_check_the_choice(default_searcher: Searcher) -> None:
    """A *peu sûr* answer's funding text ends by saying to check the objective before sending; a sure one
    does not."""
    unsure = compose_answer("accompagnement des familles", [], default_searcher)
    sure = compose_answer("marchands de sommeil", [], default_searcher)
    assert unsure.confidence == "low" and unsure.funding_block is not None
    assert unsure.funding_block.endswith("réponse peu sûre, comparez avec les autres objectifs proposés.")
    assert sure.confidence == "high" and sure.funding_block and "peu sûre" not in sure.funding_block
