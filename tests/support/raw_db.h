// authkv tests: direct RocksDB access to a closed store's directory, to
// check the layout from outside (no index entry left behind, no token on
// disk) and to damage it on purpose.

#ifndef AUTHKV_TESTS_SUPPORT_RAW_DB_H_
#define AUTHKV_TESTS_SUPPORT_RAW_DB_H_

#include <rocksdb/db.h>
#include <rocksdb/metadata.h>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace authkv::test {

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db);
    INFO(s.ToString());
    REQUIRE(s.ok());
    db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) handles_[names[i]] = handles[i];
  }
  ~RawDb() {
    for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }

  // Every key of a family, in order.
  std::vector<std::string> Keys(const std::string& family) {
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handle(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    return keys;
  }
  size_t Count(const std::string& family) { return Keys(family).size(); }

  std::string Get(const std::string& family, const std::string& key) {
    std::string value;
    REQUIRE(db_->Get({}, handle(family), key, &value).ok());
    return value;
  }
  void Put(const std::string& family, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put({}, handle(family), key, value).ok());
  }
  void Delete(const std::string& family, const std::string& key) {
    REQUIRE(db_->Delete({}, handle(family), key).ok());
  }
  // The table files (SSTs) holding `family`, as full paths.
  std::vector<std::string> TableFiles(const std::string& family) {
    std::vector<rocksdb::LiveFileMetaData> files;
    db_->GetLiveFilesMetaData(&files);
    std::vector<std::string> paths;
    for (const auto& f : files) {
      if (f.column_family_name == family) paths.push_back(f.directory + "/" + f.relative_filename);
    }
    return paths;
  }
  void CreateFamily(const std::string& name) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    REQUIRE(db_->CreateColumnFamily({}, name, &h).ok());
    handles_[name] = h;
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(const std::string& family) {
    auto it = handles_.find(family);
    REQUIRE(it != handles_.end());
    return it->second;
  }
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_RAW_DB_H_
