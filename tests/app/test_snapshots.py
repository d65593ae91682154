"""How the Cases, Start and Interview screens look at 80x24 (pytest-textual-snapshot).

Regenerate after a deliberate change with `pytest tests/app/test_snapshots.py --snapshot-update`, look
at the SVGs in `__snapshots__/`, and commit them. They are tied to the pinned Textual version.
"""

from __future__ import annotations

from oasys_diversity.model import Answer


def _seeded(make_app, seed_case):
    seed_case(
        reference="X100001",
        name="Grace Adeyemi-Lewis",
        answers=[
            Answer(question_id="person.preferred_name", status="answered", value="Grace"),
            Answer(question_id="person.area", status="answered", value="Birmingham"),
            Answer(question_id="faith.religion", status="answered", value="christian"),
            Answer(question_id="faith.practice_needs", status="declined"),
        ],
    )
    seed_case(
        reference="X200002",
        name="Tomasz Wiśniewski",
        answers=[Answer(question_id="person.preferred_name", status="answered", value="Tomek")],
    )
    return make_app()


def test_cases_screen(snap_compare, make_app, seed_case):
    app = _seeded(make_app, seed_case)

    async def counted(pilot) -> None:
        # The progress column says "…" until the bank has loaded in the background: wait for the counts, so the
        # picture never depends on which came first.
        from oasys_diversity.screens.cases import CasesScreen

        for _ in range(500):
            if isinstance(app.screen, CasesScreen) and app.screen.counted:
                break
            await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=counted)


def test_start_screen(snap_compare, make_app):
    assert snap_compare(make_app(), press=["ctrl+n"], terminal_size=(80, 24))


def test_start_screen_with_messages(snap_compare, make_app):
    assert snap_compare(make_app(), press=["ctrl+n", "tab", "tab", *"Sam Example", "ctrl+s"], terminal_size=(80, 24))


def test_interview_screen_on_a_choice(snap_compare, make_app, seed_case):
    app = _seeded(make_app, seed_case)

    async def open_question(pilot):
        app.open_question(1, "faith.religion")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_question)


def test_interview_screen_with_guidance(snap_compare, make_app, seed_case):
    app = _seeded(make_app, seed_case)

    async def open_question(pilot):
        app.open_question(1, "person.gender")
        await pilot.pause()
        await pilot.press("g")

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_question)


def test_interview_screen_on_an_introduction(snap_compare, make_app, seed_case):
    app = _seeded(make_app, seed_case)

    async def open_case(pilot):
        app.open_case(2)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_case)


def test_start_screen_language_first(snap_compare, make_app):
    details = ["ctrl+n", "space", "tab", *"X300003", "enter", *"Dara Example", "enter", "enter", *"Jo Officer", "enter"]
    assert snap_compare(make_app(), press=details, terminal_size=(80, 24))


def test_interview_offer_to_go_deeper_with_the_interpreter_banner(snap_compare, make_app, seed_case):
    from oasys_diversity.sessions import ConversationSession

    needed = ConversationSession(case_id=0, language="English", interpreter="needed", interpreter_language="Farsi")
    seed_case(reference="X400004", name="Dara Example", session=needed)
    app = make_app()

    async def open_offer(pilot):
        app.open_question(1, "faith.reconnect")
        await pilot.pause()
        await pilot.press("pagedown")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_offer)


def test_interview_in_their_words_with_guidance_at_160x48(snap_compare, make_app, seed_case, monkeypatch):
    from oasys_diversity.screens import interview

    # The picture shows the words still waiting for the typing pause ("… saving"). With the real 0.6 s
    # pause, whether the save has happened by the time of the picture depends on how busy the machine is.
    monkeypatch.setattr(interview, "TYPING_PAUSE_SECONDS", 3600)
    app = _seeded(make_app, seed_case)

    async def open_question(pilot):
        app.open_question(1, "ethnicity.self_description")
        await pilot.pause()
        await pilot.press(*"Black British, my mum's family is from Jamaica and my dad's from Birmingham", "ctrl+g")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=open_question)
