"""`mdfollow serve`: the calendar feed and the pages that close the loop, over HTTP.

Two credentials, never one: the feed token (handed to Google's and Apple's servers by
design, so it opens the feed and nothing else) and device pairings (a cookie per phone or
laptop) for the pages and their actions.
"""
