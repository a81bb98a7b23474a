#!/usr/bin/env python3
"""Renders a man(7) page from a swift-argument-parser CLI definition.

Usage: <tool> --experimental-dump-help | render-man.py --section N --date YYYY-MM-DD [--extra FILE]

The JSON is the tool's own description of its commands (the same input swift-argument-parser's
generate-manual plugin uses); this renderer needs no extra build, so `make install` works while
a `swift test` holds the package's build lock. --extra appends hand-written roff (FILES, SEE ALSO).
"""
import argparse
import json
import sys


def esc(text):
    """Escapes text for roff: backslashes, leading dots/quotes, hyphens in option names."""
    text = (text or "").replace("\\", "\\e")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def option_name(argument):
    names = argument.get("names") or []
    parts = []
    for name in names:
        prefix = "-" if name["kind"] == "short" else "--"
        parts.append("\\fB" + (prefix + name["name"]).replace("-", "\\-") + "\\fR")
    return ", ".join(parts)


def synopsis_item(argument):
    kind = argument["kind"]
    value = argument.get("valueName", "value")
    if kind == "positional":
        item = "\\fI" + esc(value) + "\\fR"
    else:
        name = argument.get("preferredName") or argument["names"][0]
        prefix = "-" if name["kind"] == "short" else "--"
        item = "\\fB" + (prefix + name["name"]).replace("-", "\\-") + "\\fR"
        if kind == "option":
            item += " \\fI" + esc(value) + "\\fR"
    if argument.get("isRepeating"):
        item += " ..."
    return "[" + item + "]" if argument.get("isOptional") else item


def visible(arguments):
    return [a for a in arguments or [] if a.get("shouldDisplay", True) and
            not any(n["name"] in ("help", "version") for n in a.get("names") or [])]


def render_arguments(out, arguments):
    for argument in visible(arguments):
        out.append(".TP")
        if argument["kind"] == "positional":
            out.append("\\fI" + esc(argument.get("valueName", "value")) + "\\fR")
        elif argument["kind"] == "option":
            out.append(option_name(argument) + " \\fI" + esc(argument.get("valueName", "value")) + "\\fR")
        else:
            out.append(option_name(argument))
        text = argument.get("abstract", "")
        if argument.get("defaultValue"):
            text += " (default: " + argument["defaultValue"] + ")"
        out.append(esc(text))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--section", default="1")
    parser.add_argument("--date", required=True)
    parser.add_argument("--extra")
    options = parser.parse_args()
    command = json.load(sys.stdin)["command"]
    name = command["commandName"]
    out = [
        '.\\" Generated from `%s --experimental-dump-help` by scripts/render-man.py; do not edit.' % name,
        '.TH "%s" "%s" "%s" "bg95" "bg95 manual"' % (name.upper(), options.section, options.date),
        ".SH NAME",
        "%s \\- %s" % (name, esc(command.get("abstract", ""))),
        ".SH SYNOPSIS",
    ]
    subcommands = [s for s in command.get("subcommands") or [] if s.get("shouldDisplay", True) and s["commandName"] != "help"]
    if subcommands:
        out.append(".B %s" % name)
        out.append("\\fIcommand\\fR [\\fIoptions\\fR]")
    else:
        out.append(".B %s" % name)
        out.append(" ".join(synopsis_item(a) for a in visible(command.get("arguments"))))
    out.append(".SH DESCRIPTION")
    for paragraph in (command.get("discussion") or command.get("abstract", "")).split("\n\n"):
        out.append(".PP")
        out.append(esc(paragraph))
    if visible(command.get("arguments")):
        out.append(".SH OPTIONS")
        render_arguments(out, command.get("arguments"))
    if subcommands:
        out.append(".SH COMMANDS")
        for sub in subcommands:
            default = " (default)" if command.get("defaultSubcommand") == sub["commandName"] else ""
            out.append(".SS %s %s%s" % (name, sub["commandName"], default))
            out.append(".B %s %s" % (name, sub["commandName"]))
            out.append(" ".join(synopsis_item(a) for a in visible(sub.get("arguments"))))
            out.append(".PP")
            out.append(esc(sub.get("abstract", "")))
            if sub.get("discussion"):
                out.append(".PP")
                out.append(esc(sub["discussion"]))
            render_arguments(out, sub.get("arguments"))
    if options.extra:
        with open(options.extra) as extra:
            out.append(extra.read().rstrip("\n"))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
