"""Read the JUnit reports of both runs: no skip, browser tests ran, right database."""

import sys
import xml.etree.ElementTree as ET


def main(arguments: list[str]) -> int:
    status = 0
    for argument in arguments:
        path, expected = argument.rsplit(":", 1)
        suite = ET.parse(path).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        cases = suite.findall("testcase")
        skipped = [c for c in cases if c.find("skipped") is not None]
        failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
        browser = [c for c in cases if ".browser." in c.get("classname", "")]
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        print(
            f"ci: {expected}: {len(cases)} tests, {len(failed)} failed, {len(skipped)} skipped, "
            f"{len(browser)} in the browser, database {properties.get('database')}"
        )
        if skipped or failed or not browser or properties.get("database") != expected or not cases:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
