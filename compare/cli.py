"""The command line: a thin layer over compare_story. Heavy modules are imported inside the
commands, so ``--help`` and ``list`` answer without loading torch."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .types import CompareError

PROG = "story-compare"


def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


class ProgressBar:
    """A one-line progress indicator on stderr (silent when stderr is not a terminal, except
    for a final line on long runs)."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        if self.tty:
            width = 30
            fill = int(width * done / max(total, 1))
            sys.stderr.write(f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] {done}/{total} {elapsed:.0f}s")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif done >= total and elapsed > 2:
            sys.stderr.write(f"{self.label}: {done}/{total} in {elapsed:.1f}s\n")


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {n}")
    return n


def _model_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("model")
    g.add_argument("--model", metavar="M", help="sentence-transformers model name or path "
                   "(default: $COMPARE_MODEL, else the bundled all-MiniLM-L6-v2)")
    g.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    g.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="embedding cache folder (default: $COMPARE_CACHE_DIR, else ~/.cache/story-compare)")
    g.add_argument("--device", type=_device, metavar="D",
                   help="where the model runs: auto (CUDA, else Apple MPS, else CPU), cpu, cuda, cuda:N or mps "
                        "(default: $COMPARE_DEVICE, else auto)")
    return p


def _device(value: str) -> str:
    from .embed import check_device  # light: embed imports numpy, not torch

    try:
        return check_device(value)
    except CompareError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _threshold_options() -> argparse.ArgumentParser:
    from .types import Settings

    d = Settings()
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("thresholds")
    g.add_argument("--support", type=float, default=d.support, metavar="COS",
                   help=f"minimum cosine for an outlet to carry a claim (default {d.support})")
    g.add_argument("--margin", type=float, default=d.margin, metavar="COS",
                   help=f"required margin over the article pair's background cosine (default {d.margin})")
    g.add_argument("--conflict", type=float, default=d.conflict, metavar="COS",
                   help=f"minimum cosine before details (numbers, dates, times, names) are compared: two sentences "
                        f"at least this similar are read as one claim, so a different detail is a conflict "
                        f"(default {d.conflict}; the dashboard's 'Minimum cosine before details are compared')")
    g.add_argument("--no-calibrate", action="store_true", help="use --support alone, without per-pair margins")
    g.add_argument("--vetter", type=Path, metavar="FILE",
                   help="check the conflicts the rules find with this model (written by train-vetter) instead of "
                        "the bundled one, trained on the bundled stories' gold labels")
    g.add_argument("--no-vetting", action="store_true",
                   help="keep every conflict the rules find (no learned check; more conflicts, more of them wrong)")
    g.add_argument("--full-encoding", action="store_true",
                   help="embed every clause on its own and every two-sentence window, not only the windows that "
                        "can decide a match (slower; by default most clauses are pooled from their sentence)")
    return p


def _cluster_options() -> argparse.ArgumentParser:
    from .cluster import LINKAGES, ClusterSettings

    d = ClusterSettings()
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("clustering")
    g.add_argument("--max-distance", type=float, default=d.threshold, metavar="D",
                   help=f"largest average cosine distance (1 - cosine) of title+lead embeddings within a story "
                        f"(default {d.threshold})")
    g.add_argument("--window", type=_count, default=d.window_days, metavar="DAYS",
                   help=f"most days between a story's first and last 'published' date; 0 for none (default {d.window_days})")
    g.add_argument("--neighbours", type=_count, default=d.neighbours, metavar="K",
                   help=f"nearest articles looked at per article (default {d.neighbours})")
    g.add_argument("--linkage", choices=LINKAGES, default=d.linkage, help=f"agglomerative linkage (default {d.linkage})")
    g.add_argument("--no-names", dest="names", action="store_false",
                   help="merge groups of articles even if none gives a name most of the other's articles give")
    return p


def _cluster_settings(args: argparse.Namespace):
    from .cluster import ClusterSettings

    return ClusterSettings(threshold=args.max_distance, window_days=args.window, neighbours=args.neighbours,
                           linkage=args.linkage, names=args.names)


def _settings(args: argparse.Namespace):
    from .types import Settings

    for name in ("support", "margin", "conflict"):
        value = getattr(args, name)
        if not -1.0 <= value <= 1.0:
            raise CompareError(f"--{name} must be between -1 and 1, got {value}")
    vetting = "" if args.no_vetting else str(args.vetter) if args.vetter else "default"
    if vetting:
        from .vetting import load_vetter

        load_vetter(vetting)  # a bad file is refused before any work
    return Settings(support=args.support, margin=args.margin, conflict=args.conflict, calibrate=not args.no_calibrate,
                    encoding="full" if args.full_encoding else "cascade", vetting=vetting)


def check_output_file(path: Path | None, option: str) -> None:
    """Refuse, before any work, an output file that could not be written where it is asked:
    a folder, or a file in a folder that does not exist (created by mistake, a typo in the
    folder's name would pass unnoticed)."""
    if path is None:
        return
    if path.is_dir():
        raise CompareError(f"{path}: is a folder, not a file to write ({option})")
    parent = path.parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist (no such folder)"
        raise CompareError(f"{path}: the folder {parent} {what}; create it first ({option})")



def _resolve_paths(paths: Sequence[str]) -> tuple[list[Path], bool]:
    """Paths as given; a bare name that is a bundled story resolves to it. '-' means stdin."""
    from .corpus import corpora_dir

    out, stdin = [], False
    for raw in paths:
        if raw == "-":
            stdin = True
            continue
        p = Path(raw)
        if not p.exists() and (corpora_dir() / raw).is_dir():
            p = corpora_dir() / raw
        out.append(p)
    return out, stdin


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    from .corpus import decode_text

    if not data.strip():
        raise CompareError("<stdin>: empty input")
    return decode_text(data, "<stdin>")


def cmd_list(args: argparse.Namespace) -> int:
    import tomllib

    from .corpus import article_files, corpora_dir, list_stories

    root = args.corpora or corpora_dir()
    stories = list_stories(root)
    if not stories:
        _err(f"no stories in {root}")
        return 1
    print(f"{'story':32} {'outlets':>7}  gold  title")
    for folder in stories:
        title = ""
        meta = folder / "story.toml"
        if meta.exists():
            try:
                title = str(tomllib.loads(meta.read_text(encoding="utf-8")).get("title", ""))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                title = "(unreadable story.toml)"
        gold = "yes" if (folder / "gold.toml").exists() else "-"
        print(f"{folder.name:32} {len(article_files(folder)):>7}  {gold:4}  {title}")
    return 0


def _encoder(args: argparse.Namespace):
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own progress line is enough
    from .embed import get_encoder

    return get_encoder(args.model, cache=not args.no_cache, cache_dir=args.cache_dir, device=args.device)


def cmd_run(args: argparse.Namespace) -> int:
    from .corpus import load_story
    from .pipeline import compare_story
    from .tables import divergence_table, summary_table, write_atomic, write_csv, write_json

    paths, use_stdin = _resolve_paths(args.paths)
    for opt in ("csv", "json", "summary_csv", "html"):  # refused before any work, and never a folder made
        check_output_file(getattr(args, opt), "--" + opt.replace("_", "-"))
    for p in paths:
        if not p.exists():
            raise CompareError(f"{p}: no such file or folder")
    settings = _settings(args)
    if args.multilingual:
        os.environ["COMPARE_MULTILINGUAL"] = "1"  # read by compare.language.model_is_multilingual
    stdin_text = _read_stdin() if use_stdin else None
    story = load_story(paths, name=args.name or "", stdin_text=stdin_text, stdin_outlet=args.stdin_outlet or "",
                       skip_bad=args.skip_bad, warn=lambda m: _err(f"warning: {m}"),
                       note=None if args.quiet else _err)
    encoder = _encoder(args)
    progress = ProgressBar("embedding", enabled=not args.quiet)
    comparison = compare_story(story.articles, settings, encoder, story=story.name, progress=progress)
    warn_languages(comparison)
    table = divergence_table(comparison)
    summary = summary_table(comparison)
    if args.csv:
        write_csv(table, args.csv)
    if args.json:
        write_json(table, args.json)
    if args.summary_csv:
        write_csv(summary, args.summary_csv)
    if args.html:
        from .report import report_html

        write_atomic(args.html, report_html(comparison))
    if not args.quiet:
        print_report(comparison, summary, args.show)
        for label, path in (("divergence table", args.csv), ("JSON", args.json), ("summary", args.summary_csv),
                            ("HTML report", args.html)):
            if path:
                print(f"wrote {label}: {path}")
    return 0


def warn_languages(comparison) -> None:  # noqa: ANN001 - Comparison
    """One warning line on stderr per article the model cannot compare (another language)."""
    from .language import english_only_warning

    for a in comparison.set_aside:
        art = comparison.articles[a]
        _err("warning: " + english_only_warning(art.outlet, art.source, comparison.languages[a], comparison.model))


def print_report(comparison, summary, show: int) -> None:  # noqa: ANN001 - Comparison, DataFrame
    """The terminal summary: per-outlet figures, then each outlet's unique and conflicting claims,
    in ``claims.priority`` order (conflicts, then unnamed sources, then specific claims). An
    article in a language the model cannot read lists none (``Comparison.set_aside``)."""
    from .claims import priority
    from .language import language_name
    from .types import Status

    print(f"story: {comparison.story}   outlets: {len(comparison.articles)}   model: {comparison.model}")
    for group in comparison.wire_groups:
        print("wire copy (counted as one source): " + ", ".join(comparison.outlets[i] for i in group))
    print()
    cols = ["outlet", "sentences", "shared", "partial", "unique", "conflicting", "share_unique"]
    print(summary[cols].to_string(index=False))
    for a, claims in enumerate(comparison.claims):
        if a in comparison.set_aside:
            code = comparison.languages[a]
            print(f"\n{comparison.outlets[a]}: in {language_name(code)} ({code}), not compared: the model is English-only")
            continue
        flagged = sorted((c for c in claims if c.status in (Status.UNIQUE, Status.CONFLICTING)), key=priority)
        if not flagged:
            continue
        print(f"\n{comparison.outlets[a]}:")
        for c in flagged[:show]:
            text = " ".join(c.sentence.text.split())
            text = text if len(text) <= 110 else text[:107] + "..."
            tag = "UNIQUE" if c.status is Status.UNIQUE else "CONFLICT"
            extra = ""
            if c.conflicts:
                extra = "  <- " + "; ".join(x.describe(comparison.outlets) for x in c.conflicts[:2])
            elif c.unnamed_source:
                extra = f"  <- unnamed source: {c.unnamed_source}"
            print(f"  [{tag:8}] {text}{extra}")
        if len(flagged) > show:
            print(f"  ... and {len(flagged) - show} more (see the CSV)")


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import score_story, vetters_for
    from .pipeline import compare_evidence

    if args.clusters:
        return cmd_eval_clusters(args)
    settings = _settings(args)
    encoder = _encoder(args)
    stories = _gold_stories(args.corpora, encoder, settings, args.quiet)
    loso = vetters_for([(story.name, ev, gold) for story, ev, gold, _ in stories], settings)
    results = [score_story(compare_evidence(ev, settings, story.name, loso.get(story.name)), ev, gold, held)
               for story, ev, gold, held in stories]
    print(format_eval(results))
    if loso:
        print(f"(conflict vetting: the {len(loso)} stories whose labels trained the vetter are each scored by one "
              f"trained without them)")
    print()
    print(format_kinds(results))
    if args.verbose:
        for r in results:
            for e in r.errors:
                print(f"{r.story}: {e}")
    if args.ablation:
        print()
        print(format_ablation(stories, settings, encoder, loso))
    return 0


def _gold_stories(corpora: Path | None, encoder, settings, quiet: bool) -> list:  # noqa: ANN001
    """(Story, Evidence, gold labels, held out) of every story folder under ``corpora`` (default:
    the bundled corpora) that has a gold.toml, prepared (from the result store when it can be)."""
    from .corpus import corpora_dir, list_stories, load_story
    from .evaluate import held_out, load_gold
    from .pipeline import prepare_cached

    root = corpora or corpora_dir()
    stories = []
    for folder in list_stories(root):
        gold = load_gold(folder)
        if gold:
            story = load_story([folder])
            ev = prepare_cached(story.articles, encoder, ProgressBar(f"embedding {story.name}", enabled=not quiet),
                                encoding=settings.encoding)
            stories.append((story, ev, gold, held_out(folder)))
    if not stories:
        raise CompareError(f"{root}: no story has a gold.toml")
    return stories


def cmd_train_vetter(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .evaluate import train_vetter, vetting_examples
    from .tables import write_atomic
    from .types import Settings

    if not 0.0 < args.threshold < 1.0:
        raise CompareError(f"--threshold must be between 0 and 1, got {args.threshold}")
    check_output_file(args.out, "--out")
    settings: Settings = replace(_settings(args), vetting="")
    encoder = _encoder(args)
    examples = {story.name: vetting_examples(ev, settings, gold, story.name)
                for story, ev, gold, _ in _gold_stories(args.corpora, encoder, settings, args.quiet)}
    vetter = train_vetter(examples, args.threshold)
    write_atomic(args.out, vetter.to_json())
    real = sum(int(y.sum()) for _, y in examples.values())
    seen = sum(len(y) for _, y in examples.values())
    if not args.quiet:
        _err(f"trained on {len(examples)} stories: {seen} conflicts found by the rules, {real} of them real; "
             f"wrote {args.out}")
    return 0


def format_ablation(stories, settings, encoder, loso=None) -> str:  # noqa: ANN001 - list of (Story, Evidence, gold, held out)
    """Overall scores with each method switched off in turn, beside the full engine: on the
    stories the engine was tuned on, and the conflict F1 on the held-out ones (``loso``: the
    leave-one-story-out vetters of ``evaluate.vetters_for``)."""
    from dataclasses import replace

    from .details import RULES
    from .evaluate import score_story, total
    from .pipeline import compare_evidence, prepare

    def overall(settings, windows=None):
        rows = []
        for story, ev, gold, held in stories:
            if windows is not None:
                ev = prepare(story.articles, encoder, windows=windows, encoding=settings.encoding)
            vetter = (loso or {}).get(story.name) if settings.vetting else None
            rows.append(score_story(compare_evidence(ev, settings, story.name, vetter), ev, gold, held))
        return total([r for r in rows if not r.held_out]), total([r for r in rows if r.held_out])

    variants = [
        ("full engine", settings, None),
        ("- sentence windows", settings, ()),
        ("- clause matching", replace(settings, clause_margin=9.0), None),
        ("- per-pair calibration (cosine >= 0.70)", replace(settings, calibrate=False, support=0.7), None),
        ("- lexical bonus", replace(settings, lexical=0.0), None),
        ("- novelty check", replace(settings, novelty=9.0), None),
        *((f"- conflict rule: {rule}", replace(settings, rules_off=(rule,)), None) for rule in RULES),
        ("- conflict vetting (learned)", replace(settings, vetting=""), None),
    ]
    lines = [f"{'ablation':42} {'unique F1':>9} {'conflict F1':>11} {'adds F1':>8}   held-out conflicts P     R    F1",
             "-" * 107]
    for label, s, windows in variants:
        t, h = overall(s, windows)
        c = h.conflicting
        held = f"{c.precision:21.3f} {c.recall:5.3f} {c.f1:5.3f}" if c.tp + c.fp + c.fn else f"{'-':>21}"
        lines.append(f"{label:42} {t.unique.f1:9.3f} {t.conflicting.f1:11.3f} {t.adds.f1:8.3f} {held}")
    return "\n".join(lines)


def format_eval(results) -> str:  # noqa: ANN001 - list[StoryScores]
    """The eval table printed by ``story-compare eval`` and quoted in the README: the stories
    the engine was tuned on, their total ("overall"), then the held-out stories and theirs."""
    from .evaluate import total

    w = max([28, *(len(r.story) for r in results)])
    head = (f"{'story':{w}} {'unique P':>8} {'R':>5} {'F1':>5} {'naive F1':>8}  "
            f"{'conflict P':>10} {'R':>5} {'F1':>5}  {'adds F1':>7}")
    lines = [head, "-" * len(head)]
    tuned = [r for r in results if not r.held_out]
    held = [r for r in results if r.held_out]
    rows = [*tuned, total(tuned)] if tuned else []
    if held:
        rows += [*held, total(held, "held out")]
    for r in rows:
        lines.append(
            f"{r.story:{w}} {r.unique.precision:8.2f} {r.unique.recall:5.2f} {r.unique.f1:5.2f} "
            f"{r.naive_unique.f1:8.2f}  {r.conflicting.precision:10.2f} {r.conflicting.recall:5.2f} "
            f"{r.conflicting.f1:5.2f}  {r.adds.f1:7.2f}"
        )
        if r.story == "overall" and held:
            lines.append("")
    return "\n".join(lines)


def format_kinds(results) -> str:  # noqa: ANN001 - list[StoryScores]
    """Precision and recall per conflict kind (and for updates), tuned stories beside
    held-out ones, and how many decoys (gold non-conflicts) were flagged."""
    from .evaluate import CONFLICT_KINDS, total

    sets = [("tuned", total([r for r in results if not r.held_out])), ("held out", total([r for r in results if r.held_out]))]
    head = f"{'by kind':14}" + "".join(f" {name + ' P':>11} {'R':>5} {'n':>3}" for name, _ in sets)
    lines = [head, "-" * len(head)]
    for kind in CONFLICT_KINDS:
        row = f"{kind:14}"
        for _, t in sets:
            s = dict(t.kinds)[kind]
            row += f" {s.precision:11.2f} {s.recall:5.2f} {s.tp + s.fn:3d}"
        lines.append(row)
    row = f"{'decoys flagged':14}"
    for _, t in sets:
        row += f" {f'{t.decoys.fp} of {t.decoys.tp + t.decoys.fp}':>21}"
    lines.append(row)
    return "\n".join(lines)


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    settings = _settings(args)
    check_output_file(args.csv, "--csv")
    check_output_file(args.parquet, "--parquet")
    if args.into and not args.cluster:
        raise CompareError("--into is for --cluster")
    if not args.cluster:
        _refuse_story_folder(args.corpus)
    engine = _batch_engine(args)  # before any work: a missing Ray is said at once
    encoder = _encoder(args)
    tty = sys.stderr.isatty() and not args.quiet

    def progress(i: int, n: int, name: str) -> None:
        if args.quiet:
            return
        line = f"story {min(i + 1, n)}/{n} {name}" if name else f"{n} stories"
        sys.stderr.write(("\r" + line.ljust(60)) if tty else line + "\n")
        if not name and tty:
            sys.stderr.write("\n")
        sys.stderr.flush()

    corpus = args.corpus
    if args.cluster:  # the pile is clustered into a corpus beside OUT, then compared as any corpus
        corpus = args.into or args.csv.with_name(args.csv.name + ".stories")
        clustering = _cluster_pile(args, args.corpus, corpus, encoder)
        if not args.quiet:
            print(f"clustered {len(clustering.articles)} articles into {len(clustering.stories)} stories "
                  f"and {len(clustering.singletons)} singletons -> {corpus}", file=sys.stderr)
        if not clustering.stories:
            raise CompareError(f"{args.corpus}: no two articles form a story (all {len(clustering.articles)} are singletons)")
    result = run_batch(corpus, args.csv, encoder, settings, parquet=args.parquet, progress=progress,
                       warn=lambda m: _err(f"warning: {m}"), engine=engine)
    print(f"compared {len(result.done)} stories, resumed {len(result.skipped)}, failed {len(result.failed)}; "
          f"{result.rows} rows -> {args.csv}" + (f" and {args.parquet}" if args.parquet else ""))
    return 1 if result.failed else 0


def _refuse_story_folder(corpus: Path) -> None:
    """``batch`` wants a folder of story folders; one story folder (article files, no story
    folders) is for ``run``."""
    from .corpus import article_files, list_stories

    if corpus.is_dir() and not list_stories(corpus) and article_files(corpus):
        raise CompareError(f"{corpus}: holds article files, not story folders: it is one story; compare it with "
                           f"'{PROG} run {corpus}' (batch takes a folder of story folders)")


def _batch_engine(args: argparse.Namespace):  # -> batch.Engine | None
    """None (this process) for --engine local; a RayEngine whose workers build the same encoder."""
    if args.engine == "local":
        if args.address:
            raise CompareError("--address is for --engine ray")
        return None
    from .ray_engine import RayEngine, WorkerConfig

    cache_dir = args.cache_dir or os.environ.get("COMPARE_CACHE_DIR")
    config = WorkerConfig(model=args.model, cache=not args.no_cache, cache_dir=str(cache_dir) if cache_dir else None,
                          device=args.device)
    return RayEngine(config, address=args.address)


def _cluster_pile(args: argparse.Namespace, pile: Path, into: Path, encoder=None):  # noqa: ANN001 - Encoder
    """Read the pile, cluster it, write the corpus ``into``; the Clustering."""
    from .cluster import cluster_articles, load_pile, write_corpus

    if not pile.is_dir():
        raise CompareError(f"{pile}: no such folder")
    if into.resolve().is_relative_to(pile.resolve()):
        raise CompareError(f"{into}: inside the pile {pile}; write the stories somewhere else, "
                           "or a rerun would read them as articles")
    settings = _cluster_settings(args)
    articles = load_pile(pile, skip_bad=args.skip_bad, warn=lambda m: _err(f"warning: {m}"),
                         progress=ProgressBar("reading", enabled=not args.quiet))
    encoder = encoder or _encoder(args)
    clustering = cluster_articles(articles, encoder, settings, progress=ProgressBar("embedding", enabled=not args.quiet),
                                  block_progress=ProgressBar("clustering", enabled=not args.quiet))
    write_corpus(clustering, into, pile)
    return clustering


def print_clustering(c, into: Path, listed: int = 20) -> None:  # noqa: ANN001 - Clustering
    """What ``cluster`` made: one line per story, then the singletons."""
    in_stories = sum(len(s.members) for s in c.stories)
    print(f"{len(c.articles)} articles -> {len(c.stories)} stories ({in_stories} articles), "
          f"{len(c.singletons)} singletons, {len(c.versions)} earlier versions set aside")
    for story in c.stories[:listed]:
        print(f"  {story.name}  ({len(story.members)} outlets: {', '.join(m.article.outlet for m in story.members)})")
    if len(c.stories) > listed:
        print(f"  ... and {len(c.stories) - listed} more (see {into / '_cluster.toml'})")
    if c.singletons:
        print("singletons (no other article covers them):")
        for i in c.singletons[:listed]:
            print(f"  {c.articles[i].source}")
        if len(c.singletons) > listed:
            print(f"  ... and {len(c.singletons) - listed} more")
    print(f"wrote {into} (singletons listed in {into / '_singletons.toml'})")


def cmd_cluster(args: argparse.Namespace) -> int:
    clustering = _cluster_pile(args, args.pile, args.into)
    if not args.quiet:
        print_clustering(clustering, args.into)
    return 0


def cmd_eval_clusters(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .cluster import cluster_articles, headline
    from .evaluate import NAIVE_CLUSTER_CUTOFFS, bundled_pile, naive_clusters, score_clusters

    pile = bundled_pile(args.corpora)
    encoder = _encoder(args)
    settings = _cluster_settings(args)
    progress = ProgressBar("embedding", enabled=not args.quiet)
    c = cluster_articles(pile.articles, encoder, settings, progress=progress)
    window = f"{settings.window_days}-day window" if settings.window_days else "no window"
    rows = [score_clusters(f"engine: title+lead, {settings.linkage} <= {settings.threshold:g}, {window}",
                           c.labels(), pile)]
    titles = encoder.encode([headline(a) for a in pile.articles])
    naive = [score_clusters(f"naive: title cosine >= {cut:.2f}, components", naive_clusters(titles, cut), pile)
             for cut in NAIVE_CLUSTER_CUTOFFS]
    rows.append(max(naive, key=lambda r: (r.f1, r.ari)))
    if args.ablation:
        for label, s in (("- time window", replace(settings, window_days=0)),
                         ("- names check", replace(settings, names=False)),
                         ("- lead (title only)", replace(settings, lead_sentences=0)),
                         ("single linkage", replace(settings, linkage="single")),
                         ("complete linkage", replace(settings, linkage="complete"))):
            if s != settings:
                rows.append(score_clusters(label, cluster_articles(pile.articles, encoder, s).labels(), pile))
    singles = sum(1 for g in pile.gold if g.startswith("single:"))
    stories = len({g for g in pile.gold if not g.startswith("single:")})
    print(f"clustering eval: {len(pile.articles)} articles, {stories} stories and {singles} singletons "
          f"(the naive baseline at its best cut-off of {NAIVE_CLUSTER_CUTOFFS[0]:.2f}-{NAIVE_CLUSTER_CUTOFFS[-1]:.2f})")
    print(format_cluster_eval(rows))
    merged = rows[0].merged
    print(f"near-topic pairs merged: {len(merged)} of {len(pile.near_topics)}"
          + ("" if not merged else " (" + "; ".join(f"{a} + {b}" for a, b in merged) + ")"))
    print(f"versions set aside: {len(c.versions)}")
    if args.verbose:
        for v in c.versions:
            print(f"  {pile.articles[v.dropped].source} -> kept {pile.articles[v.kept].source} ({v.reason})")
        labels = c.labels()
        for k, s in enumerate(c.stories):
            gold = sorted({pile.gold[i] for i, lab in enumerate(labels) if lab == k})
            print(f"  {s.name}: {', '.join(gold)}")
        for i in c.singletons:
            print(f"  singleton {pile.articles[i].source} (gold: {pile.gold[i]})")
    return 0


def format_cluster_eval(rows) -> str:  # noqa: ANN001 - list[ClusterScores]
    """The table printed by ``story-compare eval --clusters`` and quoted in the README."""
    width = max(44, *(len(r.method) for r in rows))
    head = f"{'method':{width}} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'ARI':>6} {'stories':>7} {'near-topic merges':>17}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.method:{width}} {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f} {r.ari:6.3f} "
                     f"{r.clusters:7d} {len(r.merged):17d}")
    return "\n".join(lines)


def cmd_fetch(args: argparse.Namespace) -> int:
    """Exit 0 when every URL was saved, 1 when some failed, 2 when all failed (as errors do)."""
    from .fetch import PrivateAddressError, fetch_article, save_fetched

    if args.outlet and len(args.outlet) != len(args.urls):
        raise CompareError(f"give one --outlet per URL ({len(args.urls)} URLs, {len(args.outlet)} outlets)")
    failed = 0
    for i, url in enumerate(args.urls):
        try:
            art = fetch_article(url, args.outlet[i] if args.outlet else "", allow_private=args.allow_private)
            path = save_fetched(art, args.into)
            print(f"saved {url} -> {path} (outlet: {art.outlet})")
        except PrivateAddressError as exc:
            _err(f"error: {exc.refusal}; add --allow-private to fetch from your own network (only addresses you trust)")
            failed += 1
        except CompareError as exc:
            _err(f"error: {exc}")
            failed += 1
    return 0 if not failed else 2 if failed == len(args.urls) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compare how several outlets report one event, sentence by sentence: which claims "
        "are shared by all, by some, unique to one outlet, or carried elsewhere with a conflicting detail.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    model, thresholds, clustering = _model_options(), _threshold_options(), _cluster_options()

    p = sub.add_parser("list", help="list the bundled stories", description="List the bundled stories.")
    p.add_argument("--corpora", type=Path, metavar="DIR", help="corpus folder (default: the bundled corpora)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", parents=[model, thresholds], help="compare the articles of one story",
                       description="Compare the articles of one story and print a summary; export the "
                       "divergence table (one row per sentence per article) as CSV or JSON.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="story folder(s), article files (.md .txt .html .json), a bundled story name, or - for stdin")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write the divergence table as CSV")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the divergence table as JSON")
    p.add_argument("--summary-csv", type=Path, metavar="FILE", help="write the per-outlet summary as CSV")
    p.add_argument("--html", type=Path, metavar="FILE",
                   help="write a self-contained HTML report (side by side, digest, charts; opens offline)")
    p.add_argument("--name", help="story name in the outputs (default: the folder name)")
    p.add_argument("--stdin-outlet", metavar="NAME",
                   help="outlet name for text read from stdin (default: the one its front matter or page gives, "
                        "else 'stdin')")
    p.add_argument("--multilingual", action="store_true",
                   help="the model reads other languages than English (as COMPARE_MULTILINGUAL=1): articles in "
                        "another language stay in the flagged claims (otherwise they are warned about and left out)")
    p.add_argument("--skip-bad", action="store_true", help="warn about unreadable files and go on without them")
    p.add_argument("--show", type=_count, default=12, metavar="N", help="unique/conflicting sentences listed per outlet")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary and no progress")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", parents=[model, thresholds, clustering], help="score the engine against the gold labels",
                       description="Precision, recall and F1 of unique-claim and conflicting-detail detection "
                       "on every story with a gold.toml, beside the naive baseline.")
    p.add_argument("--corpora", type=Path, metavar="DIR", help="corpus folder (default: the bundled corpora)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every misclassified sentence")
    p.add_argument("--ablation", action="store_true", help="also score the engine with each method switched off")
    p.add_argument("--clusters", action="store_true",
                   help="score story clustering instead: B-cubed and ARI on the bundled pile (corpora/ and "
                        "piles/extras/), beside a naive baseline")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train-vetter", parents=[model, thresholds], help="train the conflict check on gold labels",
                       description="Train the learned check on conflicts (a logistic model over features of each "
                       "conflict the rules find) on every story with a gold.toml under the corpus folder, and write "
                       "it as JSON, for --vetter. A conflict counts as real when both its sentences are labelled "
                       "[[conflicting]]. The bundled model is this command's output on the bundled corpora.")
    p.add_argument("--corpora", type=Path, metavar="DIR", help="corpus folder (default: the bundled corpora)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the model (JSON)")
    p.add_argument("--threshold", type=float, default=0.5, metavar="P",
                   help="probability under which a conflict is dropped (default 0.5)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_train_vetter)

    p = sub.add_parser("batch", parents=[model, thresholds, clustering], help="compare every story folder under a corpus",
                       description="Compare every story folder under CORPUS and write one divergence table. "
                       "Resumable: stories finished by an earlier run (same files, model and thresholds) are not "
                       "redone. A story that fails is reported and skipped (exit code 1), the others are kept.")
    p.add_argument("corpus", type=Path, metavar="CORPUS", help="folder holding one sub-folder per story "
                   "(with --cluster: a pile of loose articles)")
    p.add_argument("--csv", type=Path, required=True, metavar="OUT", help="the joined divergence table (CSV)")
    p.add_argument("--parquet", type=Path, metavar="OUT", help="also write it as Parquet")
    p.add_argument("--cluster", action="store_true",
                   help="CORPUS is a pile: cluster it into stories first (written to OUT.stories/, see --into)")
    p.add_argument("--into", type=Path, metavar="DIR", help="with --cluster: where to write the stories")
    p.add_argument("--skip-bad", action="store_true", help="with --cluster: warn about unreadable files and go on")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="where the stories are compared: local (this process, the default) or ray "
                        "(a Ray cluster, one model-holding worker per CPU; pip install 'story-compare[ray]')")
    p.add_argument("--address", metavar="ADDR",
                   help="with --engine ray: the cluster to join (auto, HOST:PORT or ray://HOST:10001); "
                        "default: start a private local cluster for the run")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("cluster", parents=[model, clustering], help="sort a pile of loose articles into story folders",
                       description="Group the articles under PILE (every .md .txt .html .json file, in sub-folders "
                       "too) into stories: one event, several outlets. Writes one story folder per story into "
                       "CORPUS (each a valid input to run and batch, with a story.toml saying how it was formed), "
                       "and lists the articles that fit no story in CORPUS/_singletons.toml. Of two versions of "
                       "one article (same url, or same outlet and near-identical text) the latest is kept.")
    p.add_argument("pile", type=Path, metavar="PILE", help="folder of loose articles (read recursively)")
    p.add_argument("--into", type=Path, required=True, metavar="CORPUS",
                   help="folder to write the stories into (new, empty, or written by an earlier cluster run)")
    p.add_argument("--skip-bad", action="store_true", help="warn about unreadable files and go on without them")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary and no progress")
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("fetch", help="save web articles into a story folder",
                       description="Download articles, extract their text with trafilatura and save them "
                       "as Markdown with front matter in a story folder.")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--into", type=Path, required=True, metavar="DIR", help="story folder to save into")
    p.add_argument("--outlet", action="append", metavar="NAME", help="outlet name for each URL, in order")
    p.add_argument("--allow-private", action="store_true",
                   help="allow loopback and private-network addresses (refused by default)")
    p.set_defaults(func=cmd_fetch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_usage(sys.stderr)
        _err("error: name a command (list, run, eval, train-vetter, batch, cluster, fetch); --help explains them")
        return 2
    try:
        return int(args.func(args) or 0)
    except CompareError as exc:
        _err(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file or folder the system refused: still one line
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _err(f"error: {where}{exc.strerror or exc}")
        return 2
    except Exception as exc:  # the promise is one line, never a traceback
        if os.environ.get("STORY_COMPARE_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set STORY_COMPARE_DEBUG=1 for details)")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
