"""Budget data written as JSON or YAML: a syntax error named by its line and column, in Chinese, and each
value found by its path (`lines[3].amount`) for the messages about it."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from yusuan.errors import YusuanError

MAX_ALIASES = 100  # a budget written by hand uses few, if any; a "billion laughs" needs many

# the parsers' own words for a problem, and what to tell the user
_YAML_PROBLEMS = [
    ("found character '\\t' that cannot start any token", "制表符（Tab）不能用来缩进或开始一个值，请改用空格"),
    ("that cannot start any token", "这个字符不能开始一个值（以它开头的文字请加引号）"),
    ("mapping values are not allowed here", "这里不能有冒号“:”（文字中的冒号请加引号，或检查缩进）"),
    ("expected ',' or '}'", "花括号 { } 没有闭合，或缺少逗号"),
    ("expected ',' or ']'", "方括号 [ ] 没有闭合，或缺少逗号"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合？）"),
    ("expected <block end>", "缩进不一致"),
    ("did not find expected key", "缩进不一致，或缺少键"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("did not find expected", "缺少应有的内容（缩进、冒号或连字符“-”）"),
    ("found undefined alias", "别名（*）没有定义"),
    ("second occurrence", "锚点（&）重复"),
    ("could not determine a constructor", "不支持这种标签（!!…）"),
    ("found unhashable key", "键不能是列表或映射"),
    ("unknown escape character", "双引号中的转义字符无效"),
    ("special characters are not allowed", "含有不允许的控制字符"),
]
_JSON_PROBLEMS = {
    "Expecting value": "缺少值（或有多余的逗号）",
    "Expecting ',' delimiter": "缺少逗号“,”",
    "Expecting ':' delimiter": "缺少冒号“:”",
    "Expecting property name enclosed in double quotes": "键应放在双引号中（或有多余的逗号）",
    "Unterminated string starting at": "字符串的引号没有闭合",
    "Invalid control character at": "字符串中有控制字符（换行、制表符应写成 \\n、\\t）",
    "Invalid \\escape": "无效的转义字符",
    "Invalid \\uXXXX escape": "无效的 \\u 转义",
    "Extra data": "数据结束后还有多余的内容",
}


def _at(text: str, position: int) -> str:
    """第L行第C列 of a character of the text."""
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return f"第{line}行第{column}列"


def load_text(text: str, file: str, yaml_syntax: bool) -> Any:
    """The data of a JSON or YAML file; a syntax error raises, naming its line and column."""
    try:
        return _yaml(text, file) if yaml_syntax else json.loads(text)
    except json.JSONDecodeError as error:
        problem = next((v for k, v in _JSON_PROBLEMS.items() if error.msg.startswith(k)), "")
        raise YusuanError(f"第{error.lineno}行第{error.colno}列：JSON 格式有误" + (f"：{problem}" if problem else ""),
                          file=file) from None
    except ValueError:  # an integer of more than 4,300 digits (Python's bound on converting one)
        digits = re.search(r"\d{4301,}", text)
        where = f"{_at(text, digits.start())}：" if digits else ""
        raise YusuanError(f"{where}数字位数过多，不是有效的预算数据", file=file) from None


def _yaml(text: str, file: str) -> Any:
    """YAML, refusing alias bombs: aliases share one object, which validation would walk once per path."""
    import yaml

    try:
        aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader))
        if aliases > MAX_ALIASES:
            raise YusuanError(f"YAML 中有 {aliases} 处别名（*），超过 {MAX_ALIASES} 处的上限（疑似 YAML 炸弹）", file=file)
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        words = f"{error.context or ''} {error.problem or ''}"
        problem = next((v for k, v in _YAML_PROBLEMS if k in words), "")
        where = f"第{mark.line + 1}行第{mark.column + 1}列：" if mark else ""
        raise YusuanError(f"{where}YAML 格式有误" + (f"：{problem}" if problem else ""), file=file) from None
    except yaml.reader.ReaderError as error:  # the text is a str: its position counts characters
        raise YusuanError(f"{_at(text, error.position)}：YAML 格式有误：含有不允许的控制字符（#x{error.character:04x}）",
                          file=file) from None


def path_text(path: tuple) -> str:
    """A value's path as the file writes it: `lines[3].amount`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


# characters of a text whose values are found by line; real budgets: < 200 KB. Finding them parses the
# text again, about a second a megabyte: past this, messages name a value by its path only
MAX_LOCATED = 1 << 20


class Lines:
    """The line of each value of a JSON or YAML text, found by its path; the text is parsed again for
    this only when a message needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: Any = False

    def _tree(self) -> Any:
        if self._root is False:
            import yaml

            self._root = None
            # JSON is YAML too, as far as positions go; libyaml's parser when there, ten times Python's speed
            with contextlib.suppress(yaml.YAMLError, RecursionError):
                if len(self.text) <= MAX_LOCATED:
                    self._root = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return self._root

    def line(self, path: tuple) -> int | None:
        """The line of the value at `path`, or of the nearest value holding it (where a missing key belongs)."""
        import yaml

        node = self._tree()
        if node is None:
            return None
        for part in path:
            if isinstance(node, yaml.MappingNode) and part != "[key]":
                found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                found = node.value[part]
            else:
                found = None
            if found is None:
                break
            node = found
        return node.start_mark.line + 1

    def place(self, path: tuple) -> str:
        """`第23行“lines[3].amount”（金额）`: the line, the path as the file writes it, the field's name."""
        from yusuan.budget.workbook import field

        if not path:
            return "整个文件"
        line, label = self.line(path), field(path)[1]
        return (f"第{line}行" if line else "") + f"“{path_text(path)}”" + (f"（{label}）" if label else "")
