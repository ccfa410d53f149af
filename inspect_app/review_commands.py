"""`python main.py round start|show|compare`: the review chain from the command line.

    round start --center NAME --standard ID [--stage county|city|province] [--year YYYY]
                --inspector NAME [--team A,B] [--share 0.3 --seed N [--no-recommended]]
                [--show-self-ratings]
        A stage of the round (center, standard, year). With --share a re-check rates a seeded
        sample (share of the basic clauses, plus every ★ clause unless --no-recommended), drawn
        now and recorded on the inspection. --show-self-ratings: the round shows the center's
        self-ratings from the start (default: blind until each item is rated).
    round show --center NAME --standard ID [--year YYYY]
        The stages of the round held here, in order, with their sample.
    round compare INSPECTION_ID
        Consistency with the center's self-assessment: shares, κ, verdicts, disagreements.
See docs/review-chain.md.
"""

from __future__ import annotations

from inspect_app import paths
from inspect_app.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("round", help="评价轮次与一致性 (review chain)")
    rsub = p.add_subparsers(dest="round_command", metavar="ROUND_COMMAND", required=True)
    start = rsub.add_parser("start", help="start a stage of a round")
    start.add_argument("--center", required=True, help="health center name or id")
    start.add_argument("--standard", required=True, help="standard id, e.g. township-2018")
    start.add_argument("--stage", default="county", choices=["county", "city", "province"])
    start.add_argument("--year", type=int, default=None)
    start.add_argument("--inspector", required=True)
    start.add_argument("--team", default="", help="other members, comma separated")
    start.add_argument("--share", type=float, default=None, help="re-check a sample: share of basic clauses")
    start.add_argument("--seed", type=int, default=None)
    start.add_argument("--no-recommended", action="store_true", help="do not add every ★ clause to the sample")
    start.add_argument("--show-self-ratings", action="store_true")
    start.set_defaults(func=cmd_start)
    show = rsub.add_parser("show", help="the stages of a round")
    show.add_argument("--center", required=True)
    show.add_argument("--standard", required=True)
    show.add_argument("--year", type=int, default=None)
    show.set_defaults(func=cmd_show)
    compare = rsub.add_parser("compare", help="consistency with the self-assessment")
    compare.add_argument("inspection")
    compare.set_defaults(func=cmd_compare)


def _workspace(args):
    from inspect_app import services

    return services.open_workspace(paths.data_dir(args.data))


def _center(ws, name_or_id: str):
    from inspect_app import services

    for center in services.list_centers(ws):
        if name_or_id in (center.id, center.name):
            return center
    raise UserError(f"找不到机构 {name_or_id}。", f"No health center {name_or_id}.")


def _year(year):
    from inspect_app.clock import local
    from inspect_app.inspection import utc_now

    return year or local(utc_now()).year


def cmd_start(args) -> int:
    from inspect_app import review_chain
    from inspect_app.rounds import SampleRule

    ws = _workspace(args)
    try:
        center = _center(ws, args.center)
        sample = None
        if args.share is not None:
            if args.seed is None:
                raise UserError("抽样复核须给出随机种子 --seed（便于复现）。", "A sampled re-check needs --seed (reproducible).")
            sample = SampleRule(seed=args.seed, share=args.share, recommended=not args.no_recommended)
        team = [n.strip() for n in args.team.split(",") if n.strip()]
        inspection = review_chain.start_stage(ws, center.id, args.standard, team, args.inspector, stage=args.stage,
                                              year=_year(args.year), sample=sample,
                                              show_self_ratings=args.show_self_ratings)
    except UserError as err:
        print(err.zh)
        return 2
    finally:
        ws.close()
    print(f"已开始{inspection.stage.zh}：{inspection.id}（评价轮次 {inspection.round_id}）")
    if inspection.sample:
        print(f"抽样 {len(inspection.sample)} 个条款（{inspection.sample_rule}）：{'、'.join(inspection.sample)}")
    print("机构自评：" + ("一开始即可查看" if inspection.show_self_ratings else "盲评，逐项评分后显示"))
    return 0


def cmd_show(args) -> int:
    from inspect_app import review_chain, services
    from inspect_app.rounds import round_id

    ws = _workspace(args)
    try:
        center = _center(ws, args.center)
        rid = round_id(center.id, args.standard, _year(args.year))
        stages = review_chain.layers_of_round(ws, rid)
        print(f"评价轮次 {rid}：{center.name} · {args.standard} · {_year(args.year)} 年")
        for i in stages:
            what = f"抽样 {len(i.sample)} 条（{i.sample_rule}）" if i.sample else "全部条款"
            print(f"  {i.stage.zh}\t{i.id}\t{services.STATUS_ZH.get(i.status, i.status.value)}\t{what}")
        if not stages:
            print("  （本机尚无该轮次的评价）")
    except UserError as err:
        print(err.zh)
        return 2
    finally:
        ws.close()
    return 0


def cmd_compare(args) -> int:
    from inspect_app import review_chain
    from inspect_app.consistency import kappa_text, percent

    ws = _workspace(args)
    try:
        c = review_chain.consistency_with_self(ws, args.inspection)
    except UserError as err:
        print(err.zh)
        return 2
    finally:
        ws.close()
    if c is None:
        print("本机没有该机构已提交的机构自评（先同步）。")
        return 1
    o = c.overall
    print(f"机构自评结论：{c.first_verdict.name('zh')}；本次结论：{c.second_verdict.name('zh')}")
    print(f"比较条款 {len(c.scope)} 个{'（抽样）' if c.sampled else ''}")
    print(f"条目一致率 {percent(o.item_agreement)}（{o.items_agreeing}/{o.items_compared}）")
    print(f"条款等级一致率 {percent(o.exact)}（{o.clauses_exact}/{o.clauses_compared}），"
          f"相差不超过一级 {percent(o.within_one)}，κ {kappa_text(o.kappa)}")
    for ch in c.chapters:
        f = ch.figures
        print(f"  第{ch.number}章 {ch.title}：条目 {percent(f.item_agreement)}，等级 {percent(f.exact)}，κ {kappa_text(f.kappa)}")
    for d in c.disagreements:
        print(f"  {d.text()}" + (f"：{d.reason}" if d.reason else "（未说明原因）"))
    return 0
