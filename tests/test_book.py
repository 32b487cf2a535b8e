"""The book builds with warnings as errors, from stored results, as `make book` builds it."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_title_page_and_bibliography(built_book):
    assert "book/intro.html" in (built_book / "index.html").read_text()  # the root redirects
    index = (built_book / "book" / "intro.html").read_text()
    assert "Choosing learning rates" in index
    bibliography = (built_book / "book" / "bibliography.html").read_text()
    for name in ("Smith", "Topin", "Lau", "Surmenok", "Problems with fixed and decaying learning rates"):
        assert name in bibliography
    assert "CC BY 4.0" in index and "MIT" in index


CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_page_has_its_figures_numbers_and_colab_button(built_book, chapter):
    page = (built_book / "book" / f"{chapter}.html").read_text()
    repository = "lrlib-course/choosing-learning-rates"
    assert f"https://colab.research.google.com/github/{repository}/blob/gh-pages/book/{chapter}.ipynb" in page
    assert f"_sources/book/{chapter}.ipynb" in page  # the download button: the learner edition too
    assert "<img" in page  # executed figures
    assert "{glue" not in page and "Traceback" not in page
    assert "cudart_stub" not in page and "oneDNN" not in page  # no TensorFlow start-up noise
    assert "profile: full" in page  # built from the full-profile results


def test_pages_with_article_numbers_show_the_table(built_book):
    for chapter in ("02_baseline", "03_too_large", "04_too_small"):
        page = (built_book / "book" / f"{chapter}.html").read_text()
        assert "article: test accuracy" in page and "0.9919" in page


def test_glued_numbers_are_the_stored_ones(built_book):
    from lrlib import find_stored, scenario

    baseline = find_stored(scenario("fixed-lr", "baseline", "full").experiment)
    page = (built_book / "book" / "02_baseline.html").read_text()
    assert f"{baseline.test_accuracy:.4f}" in page and f"{baseline.test_loss:.4f}" in page


def test_search_index_covers_the_chapters(built_book):
    index = (built_book / "searchindex.js").read_text()
    assert "learning" in index and json.dumps("book/03_too_large")[1:-1] in index


CHAPTERS = sorted(path.stem for path in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_have_objectives_exercises_and_hidden_checked_solutions(built_book, chapter):
    page = (built_book / "book" / f"{chapter}.html").read_text()
    assert "Learning objectives" in page and "Key takeaways" in page
    exercises = page.count('class="exercise admonition"')
    assert exercises >= 2
    assert page.count('class="solution dropdown admonition"') == exercises
    # Each solution runs its exercise's check in the build, and the check says right.
    assert page.count("Right! (ex-") == exercises and "Not yet (ex-" not in page


def test_the_adadelta_numbers_are_the_stored_ones(built_book):
    from lrlib import find_stored, scenario

    page = (built_book / "book" / "12_optimizers_at_their_defaults.html").read_text()
    for name in ("adadelta default", "adadelta paper"):
        assert f"{find_stored(scenario('adaptive-defaults', name, 'full').experiment).test_accuracy:.4f}" in page


def test_the_range_test_chapter_quotes_the_stored_suggestions(built_book):
    from lrlib import report, run_many, scenarios

    table = report.suggestion_table(run_many([s.experiment for s in scenarios("range-tests", "full")]))
    page = (built_book / "book" / "14_the_range_test.html").read_text()
    for name, rows in table.groupby(level="optimizer"):
        assert f"{rows['median'].min():.2g} to {rows['median'].max():.2g}" in page, name


def test_the_band_widths_in_the_sensitivity_chapter_are_the_stored_ones(built_book):
    from lrlib import find_stored, report, scenarios

    table = report.band_width_table([find_stored(s.experiment) for s in scenarios("adaptive-sweep", "full")])
    page = (built_book / "book" / "13_does_the_rate_matter_less.html").read_text()
    for name, band in table.iterrows():
        assert f"{band['best accuracy']:.4f}" in page, name
    for name in ("adam", "adadelta"):  # the bands the text quotes
        assert f"{table.loc[name, 'band from']:g} to {table.loc[name, 'band to']:g}" in page, name


def test_the_bands_in_chapter_20_are_the_stored_ones_with_their_edge_repeats(built_book):
    from lrlib import find_stored, report, scenarios

    def stored(group):
        return [find_stored(s.experiment) for s in scenarios(group, "full")]

    table = report.band_width_table(report.with_repeats(stored("after-sweep"), stored("after-repeats")))
    page = (built_book / "book" / "20_do_they_remove_the_rate_problem.html").read_text()
    for name, band in table.iterrows():
        assert f"{band['best accuracy']:.4f}" in page, name
    for name in ("prodigy", "schedule_free_adamw"):  # the bands "What the papers claim" quotes
        assert f"{table.loc[name, 'band from']:g} to {table.loc[name, 'band to']:g}" in page, name


def test_the_instructors_page_times_every_chapter(built_book):
    from lrlib.classroom import book_chapters

    timed = (ROOT / "benchmarks" / "results" / "chapter_times.md").read_text()
    assert all(f"{{doc}}`{chapter.stem}`" in timed for chapter in book_chapters())  # rerun the benchmark
    page = re.sub(r"<[^>]+>", "", (built_book / "book" / "instructors.html").read_text())  # code is highlighted
    assert "python -m lrlib grade" in page and "Measured with" in page


def test_the_glossary_is_linked_from_the_chapters(built_book):
    glossary = (built_book / "book" / "glossary.html").read_text()
    for term in ("term-Epoch", "term-Good-band", "term-Learning-rate", "term-Divergence"):
        assert f'id="{term}"' in glossary
    linking = [path.name for path in (built_book / "book").glob("[0-9][0-9]_*.html")
               if 'href="glossary.html#term-' in path.read_text()]
    assert len(linking) >= 5, linking


def test_the_range_test_works_chapter_quotes_the_stored_runs(built_book):
    from lrlib import report, run_many, scenarios

    records = run_many([s.experiment for s in scenarios("range-tests", "full")])
    sweep = run_many([s.experiment for s in scenarios("adaptive-sweep", "full")])
    suggested = [r for r in run_many([s.experiment for s in scenarios("range-suggested", "full")])
                 if r.experiment.epochs == 10]
    table = report.suggestions_on_sweep(sweep, records, suggested)
    page = (built_book / "book" / "15_does_the_range_test_work.html").read_text()
    for name, row in table.iterrows():
        assert f"{row['suggested accuracy']:.4f}" in page and f"{abs(row['difference (images)']):.0f}" in page, name


def test_the_cycle_chapters_quote_the_stored_time_to_accuracy(built_book):
    from lrlib import catalog, report, run_many

    strategies = {name: run_many([s.experiment for s in runs])
                  for name, runs in catalog.time_to_accuracy_strategies("full").items()}
    summary = report.target_summary(report.budget_table(strategies, catalog.TARGET_ACCURACY))
    page = (built_book / "book" / "17_one_cycle.html").read_text()
    for name, row in summary.iterrows():
        assert f"{row['best median']:.4f} after {row['at']}" in page, name
    assert f"{summary.loc['one-cycle (Adam)', 'fewer than the article']}" in page
    clr = report.clr_runs_table([r for name, runs in strategies.items() if name.startswith("cyclical") for r in runs])
    page = (built_book / "book" / "16_cyclical_rates.html").read_text()
    assert f"{int((clr['cycle position'] < 0.25).sum())}" in page and f"{clr['kept - last (images)'].median():.0f}" in page


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_set_up_cell_is_not_on_the_page_nor_in_the_search_index(built_book, chapter):
    # It installs lrlib in Colab, which opens the learner edition with its own pinned install.
    assert "google.colab" not in (built_book / "book" / f"{chapter}.html").read_text()
    assert "google.colab" not in (built_book / "searchindex.js").read_text()


def test_the_summary_quotes_every_strategys_stored_median(built_book):
    from lrlib import catalog, report, run_many
    from lrlib.strategies import book_strategies

    strategies = book_strategies("full")
    results = {s.name: run_many([run.experiment for run in s.runs]) for s in strategies}
    timed = {name: run_many([s.experiment for s in runs])
             for name, runs in catalog.time_to_accuracy_strategies("full").items()}
    reached = report.epochs_to_target(report.budget_table(timed, catalog.TARGET_ACCURACY))
    table = report.strategy_table(strategies, results, reached)
    page = re.sub(r"<[^>]+>", "", (built_book / "book" / "18_what_to_do_on_monday.html").read_text())
    for name, row in table.iterrows():
        assert name in page and f"{row['median test accuracy']:.4f}" in page, name


def test_every_table_has_the_same_number_of_cells_in_every_row(built_book):
    # A "|" inside a Markdown table cell (as in |g|) splits the row; the page shows a broken table.
    for page in (built_book / "book").glob("*.html"):
        for table in re.findall(r"<table\b(?![^>]*dataframe).*?</table>", page.read_text(), re.S):  # the Markdown ones
            counts = {len(re.findall(r"<t[hd]\b", row)) for row in re.findall(r"<tr\b.*?</tr>", table, re.S)}
            assert len(counts) <= 1, (page.name, counts, table[:300])


def test_no_formula_writes_an_escaped_underscore_in_text_mode():
    # MathJax's \text{...} is plain text: a "\_" there shows its backslash.
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            assert not re.search(r"\\text\{[^}]*\\_", "".join(cell["source"])), path.name


def test_no_table_shows_a_raw_nan_na_or_inf(built_book):
    # A reader is told what a gap means ("not run", "open: no bad rate above"), not pandas' NaN.
    raw = re.compile(r"<t[dh][^>]*>\s*(NaN|nan|&lt;NA&gt;|inf|-inf|None)\s*</t[dh]>")
    for page in (built_book / "book").glob("*.html"):
        assert not raw.search(page.read_text()), (page.name, raw.search(page.read_text()).group(0))


def test_every_figure_has_alt_text_that_says_what_it_shows(built_book):
    for page in (built_book / "book").glob("[0-9][0-9]_*.html"):
        for alt in re.findall(r'<img\b[^>]*\balt="([^"]*)"[^>]*\bsrc="[^"]*_images/', page.read_text()):
            assert len(alt) > 30 and not alt.endswith((".png", ".svg")), (page.name, alt)
