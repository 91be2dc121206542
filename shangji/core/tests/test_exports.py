from shangji.core.exports import _cell


def test_exported_cells_that_look_like_formulas_are_neutralised():
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("-12.5") == "-12.5" and _cell("+86 138") == "'+86 138" and _cell(None) == ""
