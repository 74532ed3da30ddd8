"""The playable ruler (`stavka play`): a person governs the generals month by month in a web page.

game.py is the game record (scenario, seed, fallback doctrine, decisions; replay, branch, the game file);
store.py keeps games in DuckDB; app.py is the Panel page; explain.py the costs and explanations;
compare.py places a finished game among many runs of each doctrine; figures.py the plots.  Only game.py and
store.py are needed to replay a game (`stavka replay`): only app.py and compare.py import the web toolkit.
"""
