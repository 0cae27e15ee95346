"""Write the CSV files in this folder with the tools they stand for: pandas (as installed)
and R (``Rscript``), from the bundled Iris and digits and R's own data sets.

    python tests/data/make_files.py      # needs pandas and Rscript; the tests do not

The files are committed: the tests read them without pandas or R. README.md says which
versions wrote them.
"""

import subprocess
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent.parent / "assets"


def pandas_files() -> None:
    iris = pd.read_csv(ASSETS / "iris.csv")
    digits = pd.read_csv(ASSETS / "digits.csv").head(120)
    pixels = pd.DataFrame(digits.drop(columns="digit").to_numpy())  # columns named 0..63
    numbered = pixels.assign(target=digits["digit"])
    numbered.to_csv(HERE / "pandas_numbered.csv", index=False)  # header 0,1,...,63,target
    numbered.to_csv(HERE / "pandas_numbered_index.csv")  # and the index: ,0,1,...
    iris.to_csv(HERE / "pandas_iris_index.csv")  # sorted by species: the index leaks it
    codes = iris["species"].astype("category").cat.codes
    all_numbers = pd.DataFrame(iris.drop(columns="species").assign(s=codes).to_numpy())
    all_numbers.to_csv(HERE / "pandas_all_numbered.csv", index=False)  # 0,...,4; floats
    gaps = iris.copy()
    gaps.loc[[3, 40, 77], "sepal_width"] = None
    gaps.loc[[10, 120], "petal_length"] = None
    gaps.loc[[55], "species"] = None
    gaps.to_csv(HERE / "pandas_missing.csv", index=False)  # empty cells
    gaps.to_csv(HERE / "pandas_missing_na.csv", index=False, na_rep="NA")
    iris.to_csv(HERE / "pandas_semicolon.csv", sep=";", decimal=",", index=False)
    # Excel's "CSV UTF-8" in a German locale: a byte order mark, CRLF, ';', decimal commas
    iris.to_csv(HERE / "pandas_excel_style.csv", sep=";", decimal=",", index=False,
                encoding="utf-8-sig", lineterminator="\r\n")  # fmt: skip
    labelled = iris.assign(species=iris["species"].map(lambda s: f'Iris {s}, "wild"'))
    labelled.to_csv(HERE / "pandas_quoted_labels.csv", index=False)  # quotes as needed
    iris.to_csv(HERE / "pandas_tab.tsv", sep="\t", index=False)


R_SCRIPT = """
write.csv(iris, "r_iris.csv")                       # "","Sepal.Length",... "1",5.1,...
write.csv(airquality, "r_airquality.csv")           # NA in Ozone (37) and Solar.R (7)
write.csv2(iris, "r_iris_csv2.csv")                 # ';' and decimal commas
write.table(mtcars, "r_mtcars.tsv", sep = "\\t")     # a header without the row names' name
write.csv(iris, "r_iris_no_rownames.csv", row.names = FALSE)
"""


def r_files() -> None:
    subprocess.run(["Rscript", "-e", R_SCRIPT], cwd=HERE, check=True)


def versions() -> str:
    r = subprocess.run(["Rscript", "-e", "cat(R.version.string)"], capture_output=True,
                       text=True, check=True).stdout  # fmt: skip
    return f"pandas {pd.__version__}; {r}"


if __name__ == "__main__":
    pandas_files()
    r_files()
    print(versions())
