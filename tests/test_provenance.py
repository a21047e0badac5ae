"""Labels from the inputs' own flags: synthetic-data notes (optimizer/io/provenance.py)."""


def test_synthetic_notes_of_several_services_become_one():
    from optimizer.io.provenance import combine_synthetic_notes, synthetic_note
    from optimizer.results import Note, NoteKind

    other = Note(NoteKind.ASSUMPTION, "假设", "assumption")
    a = synthetic_note(["x/dialysis_units.csv"])
    b = synthetic_note(["dialysis_patients.csv", "dialysis_units.csv", "vehicles.csv"])
    c = synthetic_note(["canteens.csv"])
    got = combine_synthetic_notes([other, a, b, c])
    assert got == (other, synthetic_note(["canteens.csv", "dialysis_patients.csv",
                                          "dialysis_units.csv", "vehicles.csv"]))
    assert got[1].zh == "合成数据（canteens.csv, dialysis_patients.csv, dialysis_units.csv, vehicles.csv）"
    assert combine_synthetic_notes([other]) == (other,)
