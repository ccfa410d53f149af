"""`python main.py standard …`: import a guide's text, check a standard file, list standards.

    python main.py standard import TEXT_FILE --out standards/NAME.json [--id ID --title T --edition E]
                                   [--checklist] [--titles township|community|FILE.json]
    python main.py standard import GUIDE.xlsx --out standards/NAME.json      (Excel: see standard/xlsx.py)
    python main.py standard template --out 模板.xlsx
    python main.py standard to-xlsx FILE.json --out FILE.xlsx
    python main.py standard check FILE.json
    python main.py standard place FILE.json --item 0.0.1/C-2 --to 1.1.1 [--title T] [--code C-3]
    python main.py standard place FILE.json --section 2.1 --title T
    python main.py standard mapping new|import TABLE|check MAP  OLD.json NEW.json [--out NAME.mapping.json]
    python main.py standard list [DIR]
"""

from __future__ import annotations

from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.standard.loader import list_standards, save_standard


def register(sub) -> None:
    """Add this area's sub-commands to the main parser."""
    parser = sub.add_parser("standard", help="评价标准：导入、校验、列表 / standards: import, check, list")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
    cmds = parser.add_subparsers(dest="standard_command", metavar="ACTION")

    imp = cmds.add_parser("import", help="把评价指南文本导入为标准文件 / import a guide's text")
    imp.add_argument("text_file", type=Path)
    imp.add_argument("--out", type=Path, required=True, help="standards/NAME.json")
    imp.add_argument("--id", dest="standard_id", help="标准编号 (default: file name of --out)")
    imp.add_argument("--title", help="标准名称 (default: the id)")
    imp.add_argument("--edition", default="", help="版本，如 2018年版")
    imp.add_argument("--checklist", action="store_true", help="按岗位规范检查表导入 / checklist of norms by post")
    imp.add_argument("--titles", help="缺失章节标题的已知标题表：township、community 或 JSON 文件")
    imp.add_argument("--edition-clauses", type=int, default=None,
                     help="本版条款总数（默认取自 --titles 表：township 100、community 90）/ clauses of the whole edition")
    imp.add_argument("--lang", choices=("zh", "en"), default="zh")
    imp.set_defaults(func=run_import)

    chk = cmds.add_parser("check", help="校验标准文件 / check a standard file")
    chk.add_argument("file", type=Path)
    chk.add_argument("--lang", choices=("zh", "en"), default="zh")
    chk.set_defaults(func=run_check)

    tpl = cmds.add_parser("template", help="生成 Excel 标准模板 / write the Excel standard template")
    tpl.add_argument("--out", type=Path, required=True, help="模板.xlsx")
    tpl.set_defaults(func=run_template)

    exp = cmds.add_parser("to-xlsx", help="把标准文件导出为 Excel / write a standard file as .xlsx")
    exp.add_argument("file", type=Path)
    exp.add_argument("--out", type=Path, required=True)
    exp.set_defaults(func=run_to_xlsx)

    mp = cmds.add_parser("mapping", help="版本对照表：新建、导入、校验 / edition mapping: new, import, check")
    mcmds = mp.add_subparsers(dest="mapping_command", metavar="ACTION", required=True)
    m_new = mcmds.add_parser("new", help="按相同条款号生成对照表初稿 / a first draft: same numbers map")
    m_imp = mcmds.add_parser("import", help="从 CSV/xlsx（旧条款号、新条款号、说明）导入 / from a CSV or xlsx table")
    m_imp.add_argument("table", type=Path)
    m_chk = mcmds.add_parser("check", help="对照两版标准校验对照表 / check a mapping against both editions")
    m_chk.add_argument("mapping", type=Path)
    for m in (m_new, m_imp, m_chk):
        m.add_argument("old", type=Path, help="旧版标准 JSON / older edition")
        m.add_argument("new", type=Path, help="新版标准 JSON / newer edition")
    for m in (m_new, m_imp):
        m.add_argument("--out", type=Path, required=True, help="NAME.mapping.json")
    mp.set_defaults(func=run_mapping)

    plc = cmds.add_parser("place", help="归位未归位条目、补充标题 / place unplaced items, set lost titles")
    plc.add_argument("file", type=Path)
    what = plc.add_mutually_exclusive_group(required=True)
    what.add_argument("--item", help="要移动的条目，如 0.0.1/C-2 / the item to move")
    what.add_argument("--section", help="要设置标题的小节或章，如 2.1 / section or chapter whose title to set")
    plc.add_argument("--to", help="目标条款号，如 1.1.1 / target clause")
    plc.add_argument("--title", help="新建条款的标题，或小节/章的标题 / title of a new clause, or of the section")
    plc.add_argument("--code", help="目标条款已有同号条目时的新编号 / new item code when the target has one")
    plc.add_argument("--recommended", action="store_true", help="新建的条款为推荐条款★ / a new clause is recommended")
    plc.add_argument("--by", default="", help="操作人 / who made the edit (kept in the history)")
    plc.add_argument("--lang", choices=("zh", "en"), default="zh")
    plc.set_defaults(func=run_place)

    lst = cmds.add_parser("list", help="列出文件夹中的标准 / list standards in a folder")
    lst.add_argument("dir", type=Path, nargs="?", default=paths.STANDARDS_DIR)
    lst.set_defaults(func=run_list)


def run_import(args) -> int:
    from inspect_app.standard.checklist import import_checklist
    from inspect_app.standard.defaults import known_edition_clauses, known_titles
    from inspect_app.standard.importer import import_guide

    if args.text_file.suffix.lower() in (".xlsx", ".xlsm"):
        return _import_xlsx(args)
    try:
        text = _read_text(args.text_file)
        options = dict(
            standard_id=args.standard_id or args.out.stem,
            title=args.title or args.standard_id or args.out.stem,
            edition=args.edition,
            source=args.text_file.name,
        )
        if args.checklist:
            result = import_checklist(text, **options)
        else:
            edition_clauses = args.edition_clauses or known_edition_clauses(args.titles)
            result = import_guide(text, titles=known_titles(args.titles), edition_clauses=edition_clauses, **options)
        save_standard(result.standard, args.out)
    except UserError as err:
        print(err.message(args.lang))
        return 1
    print(result.report.to_text(args.lang), end="")
    return _report_written(args, result.standard)


def _report_written(args, standard) -> int:
    """After an import: what the check still finds, and where the file went."""
    from inspect_app.standard.validate import check_standard

    problems = check_standard(standard)
    if problems:
        print("\n校验 / check:")
        for p in problems:
            print("  " + p.text())
    print(f"\n{'已写入' if args.lang == 'zh' else 'written'}: {args.out}")
    return 0


def _import_xlsx(args) -> int:
    from inspect_app.standard.xlsx import read_standard_xlsx

    try:
        standard = read_standard_xlsx(args.text_file, standard_id=args.standard_id or args.out.stem, title=args.title or "")
        if args.edition:
            standard = standard.model_copy(update={"edition": args.edition})
        save_standard(standard, args.out)
    except UserError as err:
        print(err.message(args.lang))
        return 1
    from inspect_app.standard.coverage import coverage_text
    from inspect_app.standard.import_report import Counts

    c = Counts.of(standard)
    print(f"{'导入' if args.lang == 'zh' else 'imported'} {args.text_file.name}: 章 {c.chapters}，节 {c.sections}，"
          f"条款 {c.clauses}，条目 {c.items} — {coverage_text(standard, args.lang)}")
    return _report_written(args, standard)


def run_check(args) -> int:
    from inspect_app.standard.coverage import coverage_text, missing_levels
    from inspect_app.standard.import_report import Counts
    from inspect_app.standard.validate import check_file, errors

    standard, problems = check_file(args.file)
    for p in problems:
        print(p.text() if args.lang == "zh" else f"{p.where}: {p.en}" + (f" (line {p.line})" if p.line else ""))
    if errors(problems):
        n = len(errors(problems))
        print(f"\n{args.file}：{n} 个错误 / {n} error(s)")
        return 1
    c = Counts.of(standard)
    lv = c.items_by_level
    vetoes = sum(1 for p in standard.prerequisites if p.veto) + sum(1 for cl in standard.clauses() for i in cl.items if i.veto)
    print(
        f"{args.file}：通过校验 / valid — {standard.title} {standard.edition}\n"
        f"  章 {c.chapters}，节 {c.sections}，条款 {c.clauses}（推荐 {c.recommended_clauses}，未归位 {c.unplaced_clauses}），"
        f"条目 {c.items}（C {lv['C']}，B {lv['B']}，A {lv['A']}），否决项 {vetoes}，提示 {len(problems)}\n"
        f"  覆盖范围 / coverage: {coverage_text(standard, 'zh')} / {coverage_text(standard, 'en')}"
    )
    if missing_levels(standard):
        names = "、".join(lv.value for lv in missing_levels(standard))
        print(f"  评定规则需要 {names} 级条目，本文件没有：这些比例将判为“以本文本无法评定” / "
              f"the verdict rules need {names} items this file lacks: those shares are not assessable with it")
    if standard.placements:
        from inspect_app.standard.placement import placement_text

        print(f"  归位记录 / placement history: {len(standard.placements)}")
        for p in standard.placements:
            print("    " + placement_text(p, args.lang))
    return 0


def run_template(args) -> int:
    from inspect_app.standard.xlsx import template_workbook

    args.out.parent.mkdir(parents=True, exist_ok=True)
    template_workbook().save(args.out)
    print(f"已写入模板 / template written: {args.out}\n"
          f"填写后导入 / then: python main.py standard import {args.out} --out standards/NAME.json")
    return 0


def run_to_xlsx(args) -> int:
    from inspect_app.standard.loader import load_standard
    from inspect_app.standard.xlsx import save_standard_xlsx

    try:
        save_standard_xlsx(load_standard(args.file), args.out)
    except UserError as err:
        print(err.message("zh"))
        return 1
    print(f"已写入 / written: {args.out}")
    return 0


def run_mapping(args) -> int:
    from inspect_app.standard.editions import check_mapping, identity_mapping, import_mapping_table, load_mapping, save_mapping
    from inspect_app.standard.loader import load_standard
    from inspect_app.standard.validate import errors

    try:
        old, new = load_standard(args.old), load_standard(args.new)
        if args.mapping_command == "new":
            mapping = identity_mapping(old, new)
        elif args.mapping_command == "import":
            mapping = import_mapping_table(args.table, old, new)
        else:
            mapping = load_mapping(args.mapping)
    except UserError as err:
        print(err.message("zh"))
        return 1
    problems = check_mapping(mapping, old, new)
    for p in problems:
        print("  " + p.text())
    if errors(problems):
        print(f"对照表有 {len(errors(problems))} 个错误 / {len(errors(problems))} error(s)"
              + ("，未写入 / not written" if args.mapping_command != "check" else ""))
        return 1
    if args.mapping_command != "check":
        save_mapping(mapping, args.out)
        print(f"已写入 / written: {args.out}")
    print(f"对照表通过校验 / mapping valid: {old.id} → {new.id}，{len(mapping.clauses)} 项")
    return 0


def run_place(args) -> int:
    """Move an item or set a title, re-validate, and write only a file that still passes."""
    from inspect_app.standard.coverage import coverage_text
    from inspect_app.standard.loader import load_standard
    from inspect_app.standard.placement import place_item, placement_text, set_title
    from inspect_app.standard.validate import check_standard, errors

    try:
        standard = load_standard(args.file)
        if args.item:
            if not args.to:
                raise UserError("移动条目需要 --to 目标条款号。", "Moving an item needs --to CLAUSE.")
            placed = place_item(standard, args.item, args.to, title=args.title, code=args.code,
                                recommended=args.recommended, by=args.by)
        else:
            if not args.title:
                raise UserError("设置标题需要 --title。", "Setting a title needs --title.")
            placed = set_title(standard, args.section, args.title, by=args.by)
    except UserError as err:
        print(err.message(args.lang))
        return 1
    problems = check_standard(placed)
    for p in problems:
        print("  " + (p.text() if args.lang == "zh" else f"{p.where}: {p.en}"))
    if errors(problems):
        print("修改后的文件未通过校验，未写入 / the edited file does not pass the check; not written")
        return 1
    save_standard(placed, args.file)
    print(placement_text(placed.placements[-1], args.lang))
    print(f"{'已写入' if args.lang == 'zh' else 'written'}: {args.file} — {coverage_text(placed, args.lang)}")
    return 0


def run_list(args) -> int:
    problems: list = []
    rows = list_standards(args.dir, problems)
    for r in rows:
        print(f"{r.id}\t{r.title}\t{r.edition}\t{r.kind.value}\t条款 {r.clause_count}\t条目 {r.item_count}\t{r.path}")
    for path, err in problems:
        print(f"无法读取 / unreadable: {path}: {err.zh}")
    if not rows:
        print(f"{args.dir} 中没有标准文件 / no standards in {args.dir}")
    return 1 if problems else 0


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UserError(f"找不到文本文件：{path}", f"Text file not found: {path}") from exc
    for encoding in ("utf-8-sig", "gb18030"):  # text saved by Chinese Windows tools is often GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"{path}：无法识别文本编码，请另存为 UTF-8。", f"{path}: unknown text encoding; save it as UTF-8.")
