import csv

from caminante.matching.cli import main

HEADER = (
    "record_id,given_names,family_names,sex,birth_date,birth_year,nationality,place_of_origin,phone,document_number\n"
)


def write(path, rows):
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def read_pairs(path):
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["record_id_a", "record_id_b", "score"]
    return {(a, b): float(s) for a, b, s in rows[1:]}


def test_dedupe(tmp_path, capsys):
    src = write(
        tmp_path / "in.csv",
        [
            "1,María José,González Pérez,F,1990-03-12,,VEN,Maracaibo,+584121234567,V-12.345.678",
            "2,Maria,Gonzalez,F,1990-03-12,,VEN,,0412-1234567,12345678",
            "3,María Alejandra,González Pérez,F,1990-03-12,,VEN,Maracaibo,+584121234567,",
            "4,Pedro,Ramírez,M,,1980,VEN,Caracas,,",
        ],
    )
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(src), "--out", str(out)]) == 0
    pairs = read_pairs(out)
    assert set(pairs) == {("1", "2")}
    assert pairs[("1", "2")] >= 0.5


def test_dedupe_threshold_and_malformed_rows(tmp_path, capsys):
    src = write(
        tmp_path / "in.csv",
        [
            "1,Ana,Rojas,F,1990-01-01,,VEN,,,",
            "2,Ana,Rojas,F,1990-13-01,,VEN,,,",
            ",Ana,Rojas,F,,,VEN,,,",
            "4,Ana,Rojas,F,1990-01-01,,VEN,,",
            "5,Ana,Rojas,F,,19x0,VEN,,,",
            "6,Ana,Rojas,F,1990-01-01,,VENEZUELA,,,",
            "1,Ana,Rojas,F,1990-01-01,,VEN,,,",
            "8,Ana,Rojas,F,1990-01-01,,VEN,,,",
        ],
    )
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(src), "--out", str(out), "--threshold", "0.9"]) == 0
    err = capsys.readouterr().err
    for line in (3, 4, 5, 6, 7, 8):
        assert f"in.csv:{line}: skipped" in err
    assert "in.csv:2:" not in err and "in.csv:9:" not in err
    assert set(read_pairs(out)) == {("1", "8")}
    assert all(p >= 0.9 for p in read_pairs(out).values())


def test_refuses_file_not_of_schema(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,Ana\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) record_id, given_names" in err
    assert not out.exists()
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["dedupe", str(binary), "--out", str(out)]) == 2
    assert main(["dedupe", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2


def test_bad_arguments(tmp_path, capsys):
    src = write(tmp_path / "in.csv", [])
    assert main(["dedupe", str(src), "--out", str(tmp_path / "o.csv"), "--threshold", "2"]) == 2
    assert main(["nonsense"]) == 2
    assert main([]) == 2


def test_link(tmp_path):
    left = write(tmp_path / "left.csv", ["T1,Chuo,Pérez,M,,1985,VEN,,,", "T2,Carmen,Salas,F,,1970,VEN,,,"])
    right = write(
        tmp_path / "right.csv",
        [
            "R1,Jesús Alberto,Pérez Rojas,M,1985-04-02,,VEN,Cumaná,+584141234567,",
            "R2,Pedro,Pérez Rojas,M,1988-01-09,,VEN,Cumaná,+584141234567,",
        ],
    )
    out = tmp_path / "out.csv"
    assert main(["link", "--left", str(left), "--right", str(right), "--out", str(out)]) == 0
    assert set(read_pairs(out)) == {("T1", "R1")}


def test_train_flag(tmp_path):
    rows = [
        f"{i},Nombre{i % 50},Apellido{i % 37} Otro{i % 11},F,19{50 + i % 50}-01-0{1 + i % 9},,VEN,,,"
        for i in range(400)
    ]
    src = write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(src), "--out", str(out), "--train"]) == 0
