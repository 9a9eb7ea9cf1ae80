"""Application drafts (保存草稿): what a signed-in citizen typed and uploaded for one service
item, kept until they submit it. Holds the `application_drafts` table, its SQL and the
service the application page and 我的办件 call. Imports the platform and the records room's
service-item lookups only through its callers: nothing above runtime."""
